import Config
import Ledger

/// The one way the daemon and the commands open a configuration's ledger.
public enum DatasetLedger {
    /// Where the SQLite ledger of `configuration` lives (absolute).
    public static func path(_ configuration: Configuration) -> String {
        Configuration.absolutePath("\(configuration.daemon.stateDir)/ledger.sqlite")
    }

    /// Opens the ledger with its dataset files recorded as keys below `dataset_root` (an older
    /// ledger's host paths are converted on first open).
    public static func open(_ configuration: Configuration) throws(LedgerError) -> Ledger {
        let ledger = try Ledger(path: path(configuration))
        let root = configuration.daemon.datasetRoot
        try ledger.adoptDatasetKeys(roots: [root, Configuration.absolutePath(root)])
        return ledger
    }
}
