import ArgumentParser
import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem
import PostgresLedger

/// `augmentd ledger migrate --config FILE --to URL`: the SQLite ledger of the config's state_dir
/// copied into an empty PostgreSQL database, so daemons on several hosts can share it.
struct LedgerMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the SQLite ledger of state_dir into an empty PostgreSQL database.",
        discussion: """
            Copies every original with its variants, the duplicates, failures and refusals, the retrain \
            history and the files kept in inboxes (on_success = keep). The database must hold no originals \
            yet. Stop the daemon first; afterwards set [ledger] url = "URL" in the config and start it: it \
            knows every file that was ingested. The SQLite file is left as it was. The password comes from \
            ~/.pgpass or PGPASSFILE, never from the URL.
            """)

    @OptionGroup var configFile: ConfigFileOption

    @Option(name: .customLong("to"), help: "The PostgreSQL database (a libpq URI, postgresql://user@host/db).")
    var url: String

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config, checkPaths: false)
        if let problem = Configuration.ledgerURLProblem(url) { throw CLIErrors.Failure(description: "--to: \(problem)") }
        let stateDir = configuration.daemon.stateDir
        let path = DatasetLedger.path(configuration)
        guard FileMoves.exists(path) else { throw CLIErrors.Failure(description: "there is no ledger to migrate at \(path)") }
        let lock: FileLock?
        do {
            lock = try FileLock.tryAcquire("\(stateDir)/daemon.lock")
        } catch {
            throw CLIErrors.Failure(description: "state_dir \(stateDir): \(error)")
        }
        guard let lock else { throw CLIErrors.Failure(description: "a daemon is running with state_dir \(stateDir): stop it first") }
        defer { lock.release() }
        if let damage = Ledger.damage(at: path) {
            throw CLIErrors.Failure(description: "the ledger \(path) is damaged (\(damage)); rebuild it first with "
                                    + "`augmentd ledger rebuild --config \(configuration.file)`")
        }
        let tables: [LedgerTableDump]
        do {
            tables = try DatasetLedger.open(configuration).dump()
        } catch {
            throw CLIErrors.ledgerFailure(error, configuration)
        }
        let target = PostgresLedger.redacted(url)
        do {
            let ledger = try PostgresLedger(url: url, node: configuration.daemon.effectiveNodeName, lease: configuration.ledger.lease)
            let counts = try ledger.importLedger(tables, source: path, now: Date().timeIntervalSince1970)
            print("migrated \(path) into \(target): \(counts.originals) originals, \(counts.variants) variants, "
                  + "\(counts.events) failures, duplicates and refusals, \(counts.runs) retrain runs")
            print("next: set [ledger] url = \"\(target)\" in \(configuration.file) and start the daemon")
        } catch {
            throw CLIErrors.Failure(description: "cannot migrate into \(target): \(error.message)")
        }
    }
}
