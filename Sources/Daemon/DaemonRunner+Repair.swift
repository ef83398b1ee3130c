import Codecs
import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem
import Watch

/// Crash repair: what a crash (of this process, or of another node sharing the ledger) left half done.
extension DaemonRunner {
    /// Work a crash left behind: dot-temp files in the dataset (never complete, never seen by
    /// loaders) whose writer is gone are removed — not those of live writers, such as other nodes
    /// sharing the dataset; originals claimed but not marked done are finished.
    func repair() throws {
        let abandoned = FolderWalk.entries(below: config.daemon.datasetRoot) { entry in
            if let name = entry.name, DurableFile.isAbandonedTemp(name, atStart: true) { return .take }
            return entry.kind == .directory ? .descend : .skip
        }
        let removed = abandoned.count { entry in entry.path.map { (try? FileMoves.remove($0)) != nil } ?? false }
        let finished = finish(try ledger.unfinished()) { service.extendStartTimeout(now: MonotonicClock.now) }
        if removed > 0 || finished > 0 {
            log("repair: removed \(removed) unfinished temp file\(removed == 1 ? "" : "s"), finished \(finished) original\(finished == 1 ? "" : "s")")
        }
    }

    /// Finishes claimed originals whose files reached the dataset (variants are deterministic, so
    /// the bytes are those an uninterrupted run writes); returns how many. One that never reached
    /// the dataset is abandoned: its file waits in an inbox and is claimed again when seen.
    func finish(_ records: [OriginalRecord], progress: () -> Void = {}) -> Int {
        var factory = VariantFactory(limits: DecodeLimits(maxPixels: config.daemon.maxPixels))
        var finished = 0
        for record in records {
            progress()
            // The profile of the claim, not today's: the repaired tree must equal an uninterrupted run's.
            guard let current = intakes.intake(inbox: record.inbox) ?? intakes.any else { continue }
            guard let intake = current.withRecordedProfile(of: record, configured: config.profiles) else {
                let name = "\(record.sourceName) (\(record.hash.prefix(8)))"
                log("repair: \(name) was claimed with profile \"\(record.profile)\" whose settings are no longer known; left unfinished")
                continue
            }
            if intake.repair(record, factory: &factory) { finished += 1 } else { try? ledger.abandon(record) }
        }
        return finished
    }

    /// With several hosts: claims of nodes whose lease ran out are finished here, once a lease.
    func finishOrphanedClaims(now: Double) {
        guard config.ledger.isPostgreSQL, now - lastOrphanCheck >= config.ledger.lease / 2 else { return }
        lastOrphanCheck = now
        guard let orphans = try? ledger.orphaned(), !orphans.isEmpty else { return }
        // What the dead node left half-written beside them (its temp files, never seen by loaders).
        let layout = DatasetLayout(root: config.daemon.datasetRoot)
        for folder in Set(orphans.compactMap { record in Split(rawValue: record.split).map { layout.folder(split: $0, label: record.label) } }) {
            DatasetLayout.removeAbandonedTemps(in: folder)
        }
        let finished = finish(orphans)
        log("took over \(orphans.count) claim\(orphans.count == 1 ? "" : "s") of nodes whose lease ran out: finished \(finished), "
            + "\(orphans.count - finished) wait for their inbox file")
    }
}
