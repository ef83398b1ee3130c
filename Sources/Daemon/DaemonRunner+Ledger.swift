import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem

/// The checks the daemon makes before it takes any file: the ledger sound, and present when the
/// dataset already holds originals.
extension DaemonRunner {
    /// Opens the ledger after checking it: a damaged file, or a missing one beside a dataset that
    /// already holds originals, stops the daemon with the way out (`augmentd ledger rebuild`)
    /// instead of adding the same bytes again or losing track of files.
    static func openLedger(_ config: Configuration, version: String) throws -> any DaemonLedger {
        if config.ledger.isPostgreSQL {
            do {
                return try DatasetLedger.open(config, as: .daemon(version: version))
            } catch {
                throw DaemonError(description: "\(config.file): [ledger] url: \(error.message)", exitStatus: DaemonError.ledgerNeedsAttention)
            }
        }
        let path = DatasetLedger.path(config)
        let rebuild = "augmentd ledger rebuild --config \(config.file)"
        let exists = FileMoves.exists(path)
        if exists, let damage = Ledger.damage(at: path) {
            let fix = "Rebuild it from the dataset with `\(rebuild)` (the damaged file is kept beside it)"
            throw DaemonError(description: "the ledger \(path) is damaged (\(damage)); stopping before files are lost. \(fix)",
                              exitStatus: DaemonError.ledgerNeedsAttention)
        }
        if !exists || !Ledger.recordsAnyOriginal(at: path) {
            if let original = DatasetLayout(root: config.daemon.datasetRoot).firstOriginal() {
                let state = exists ? "records no originals" : "is missing"
                let what = "the ledger \(path) \(state) but dataset_root \(Configuration.absolutePath(config.daemon.datasetRoot)) already holds originals (\(Configuration.absolutePath(original)))"
                let why = "without it the same images would be added again"
                let fix = "Rebuild it from the dataset with `\(rebuild)`, or point state_dir at the folder that holds it"
                throw DaemonError(description: "\(what); \(why). \(fix)", exitStatus: DaemonError.ledgerNeedsAttention)
            }
        }
        do {
            let ledger = try DatasetLedger.open(config)
            try ledger.clearAllBlocked()   // blocked files are found again by their first attempt
            return ledger
        } catch {
            // (A `catch … as LedgerError where …` clause here crashes Swift 6.3's AllocBoxToStack pass.)
            guard error.isDamage else { throw error }
            let fix = "Rebuild it from the dataset with `\(rebuild)`"
            throw DaemonError(description: "the ledger \(path) is damaged (\(error.message)). \(fix)",
                              exitStatus: DaemonError.ledgerNeedsAttention)
        }
    }
}
