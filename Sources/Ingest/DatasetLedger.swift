import Config
import Foundation
import Ledger
import PostgresLedger

/// The one way the daemon and the commands open a configuration's ledger: SQLite in `state_dir`
/// (`[ledger] url = ""`), or the PostgreSQL database several daemons share.
public enum DatasetLedger {
    /// Who opens a PostgreSQL ledger: the daemon (node `node_name`), or a command run by hand
    /// (a node of its own for as long as it runs, so a daemon never takes its retrain run for a dead one's).
    public enum Opener: Sendable {
        case daemon(version: String)
        case command(String)
        /// Reads only (`status`): no node of its own; kept files are this host's node's.
        case reader
    }

    /// Where the SQLite ledger of `configuration` lives (absolute).
    public static func path(_ configuration: Configuration) -> String {
        Configuration.absolutePath("\(configuration.daemon.stateDir)/ledger.sqlite")
    }

    /// Opens the SQLite ledger with its dataset files recorded as keys below `dataset_root` (an
    /// older ledger's host paths are converted on first open).
    public static func open(_ configuration: Configuration) throws(LedgerError) -> Ledger {
        let ledger = try Ledger(path: path(configuration))
        let root = configuration.daemon.datasetRoot
        try ledger.adoptDatasetKeys(roots: [root, Configuration.absolutePath(root)])
        return ledger
    }

    /// Opens the configured ledger, whichever store it is. A PostgreSQL one registers its node
    /// and keeps its lease alive from a thread of its own until `stop()`.
    public static func open(_ configuration: Configuration, as opener: Opener) throws(LedgerError) -> any DaemonLedger {
        guard configuration.ledger.isPostgreSQL else { return try open(configuration) }
        let node = configuration.daemon.effectiveNodeName
        let pid = getpid()
        let ledger: PostgresLedger
        switch opener {
        case .daemon(let version):
            ledger = try PostgresLedger(url: configuration.ledger.url, node: node, lease: configuration.ledger.lease)
            try ledger.register(host: hostName, pid: pid, version: version)
        case .reader:
            return try PostgresLedger(url: configuration.ledger.url, node: node, lease: configuration.ledger.lease)
        case .command(let name):
            ledger = try PostgresLedger(url: configuration.ledger.url, node: "\(node):\(name)-\(pid)",
                                        lease: configuration.ledger.lease, ephemeral: true)
            try ledger.register(host: hostName, pid: pid, version: "augmentd \(name)")
        }
        ledger.startHeartbeat()
        return ledger
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }
}
