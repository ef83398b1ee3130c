import Codecs
import Foundation
import Ingest
import Ledger
import LinuxSystem
import Synchronization

/// The worker threads: each takes paths from the queue, runs the life of one file, logs the
/// outcome and counts it. The pool also says whether it is making progress, for the watchdog.
final class WorkerPool: Sendable {
    private let queue: WorkQueue
    private let intakes: IntakeTable
    private let counters: DaemonCounters
    private let ledger: any IntakeLedger
    private let maxPixels: Int
    private let log: @Sendable (String) -> Void
    /// When a worker last finished a file or found the queue empty.
    private let lastProgress = Atomic<Int64>(0)
    /// Files the dataset could not take yet, with the attempts so far (for the backoff).
    private let blocked = Mutex<[PathKey: Int]>([:])
    /// Called once when the ledger turns out to be damaged: the daemon stops.
    private let onLedgerDamage: @Sendable (String) -> Void

    init(queue: WorkQueue, intakes: IntakeTable, counters: DaemonCounters, ledger: any IntakeLedger, maxPixels: Int,
         log: @escaping @Sendable (String) -> Void, onLedgerDamage: @escaping @Sendable (String) -> Void) {
        self.onLedgerDamage = onLedgerDamage
        self.queue = queue
        self.intakes = intakes
        self.counters = counters
        self.ledger = ledger
        self.maxPixels = maxPixels
        self.log = log
    }

    func start(count: Int) {
        markProgress()
        for index in 0..<count {
            let thread = Thread { [self] in run() }
            thread.name = "augmentd-worker-\(index)"
            thread.start()
        }
    }

    private func markProgress() {
        lastProgress.store(Int64(MonotonicClock.now * 1000), ordering: .relaxed)
    }

    /// False when files are in flight and none has finished for `seconds`: the pool is stuck.
    func isHealthy(stuckAfter seconds: Double?, now: Double) -> Bool {
        guard let seconds, queue.counts.inFlight > 0 else { return true }
        return now - Double(lastProgress.load(ordering: .relaxed)) / 1000 < seconds
    }

    private func run() {
        var factory = VariantFactory(limits: DecodeLimits(maxPixels: maxPixels))
        while let path = queue.next() {
            defer {
                queue.finished(path)
                markProgress()
            }
            guard let intake = intakes.intake(for: path) else { continue }
            if intake.limits.maxPixels != factory.decoder.limits.maxPixels {
                factory = VariantFactory(limits: intake.limits)   // max_pixels changed at reload
            }
            let started = Date()
            let outcome = intake.process(path, factory: &factory)
            report(outcome, path: path, intake: intake, seconds: Date().timeIntervalSince(started))
        }
    }

    private func report(_ outcome: IntakeOutcome, path: String, intake: FileIntake, seconds: Double) {
        counters.countProcessed(outcome, seconds: seconds, path: path)   // counts only files that reached an end
        if !outcome.leavesFileWaiting { unblock(path) }
        switch outcome {
        case .added(let hash, let label, let split, let variants, _, let note):
            log("added \(path) hash=\(hash.prefix(8)) label=\(label) split=\(split.rawValue) variants=\(variants) ms=\(Int(seconds * 1000))"
                + (note.map { " (\($0))" } ?? ""))
        case .duplicate(let hash, let original):
            log("duplicate \(path) hash=\(hash.prefix(8)) of \(original)")
        case .labelConflict(let hash, let existing):
            log("label conflict \(path) hash=\(hash.prefix(8)): already in the dataset as \"\(existing)\"")
        case .failed(let reason, let movedTo):
            log("failed \(path): \(reason)\(movedTo.map { " (moved to \($0))" } ?? "")")
        case .refused(let kind):
            if counters.firstRefusal(of: path) {
                log("refused \(path): not a regular file: \(kind.rawValue) (left in place)")
                try? ledger.record(.refused, inbox: intake.inbox.inbox, path: path, hash: nil,
                                   label: try? intake.label(of: path).get(),
                                   reason: "not a regular file: \(kind.rawValue)", failureClass: nil,
                                   now: Date().timeIntervalSince1970)
            }
        case .notReady(let retryAt):
            queue.retry(path, at: MonotonicClock.deadline(forWall: retryAt, wallNow: Date().timeIntervalSince1970))
        case .blocked(let reason):
            let attempts: Int = blocked.withLock { (table: inout [PathKey: Int]) -> Int in
                let count = table[PathKey(path), default: 0] + 1
                table[PathKey(path)] = count
                return count
            }
            let delay = Self.backoff(attempts: attempts)
            queue.retry(path, at: MonotonicClock.now + delay)
            log("cannot take \(path) yet: \(reason); it stays in the inbox, next try in \(Int(delay)) s")
            let label: String? = try? intake.label(of: path).get()
            _ = try? ledger.recordBlocked(path: path, inbox: intake.inbox.inbox, label: label, reason: reason,
                                          now: Date().timeIntervalSince1970)
        case .ledgerDamaged(let message):
            queue.retry(path, at: MonotonicClock.now + 60)
            onLedgerDamage(message)
        case .vanished, .alreadyTaken:
            break
        }
    }

    /// Seconds before the next try of a blocked file: 1, 2, 4 … doubling, at most a minute.
    static func backoff(attempts: Int) -> Double {
        let doublings: Int = Swift.min(Swift.max(attempts - 1, 0), 6)
        let seconds: Int = 1 << doublings
        return Double(Swift.min(seconds, 60))
    }

    /// A file that was blocked has reached an end (or vanished): forget it.
    private func unblock(_ path: String) {
        let wasBlocked: Bool = blocked.withLock { (table: inout [PathKey: Int]) -> Bool in
            table.removeValue(forKey: PathKey(path)) != nil
        }
        guard wasBlocked else { return }
        try? ledger.clearBlocked(path: path)
    }
}
