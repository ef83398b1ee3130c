import Augment
import Codecs
import Config
import Foundation
import Ingest
import LinuxSystem
import Ledger

/// The daemon's side of `[balance]`: once arrivals have been quiet for `[balance] quiet_period`
/// (default: the retrain `quiet_period`, or 30 s) and the queue is empty, it plans, and writes the
/// plan's variants on a thread of its own, under state_dir/balance.lock (which `augmentd balance`
/// takes too). It runs again only after new originals arrived (the largest label may have grown)
/// or a reload; SIGTERM stops it between originals, and what it wrote is recorded.
final class BalanceScheduler {
    private var settings: BalanceSettings?
    private var quietPeriod = 30.0
    private var profiles: [String: Profile] = [:]
    private var limits = DecodeLimits()
    private var lockPath = ""
    private let workers: Int
    private let ledger: any BalanceLedger
    private let log: @Sendable (String) -> Void
    private let running = Flag()
    /// `added` when last seen, when it last changed, and when balancing last looked.
    private var seenAdded = -1
    private var changedAt = 0.0
    private var balancedAdded = -1
    private var layout = DatasetLayout(root: "dataset")

    init(ledger: any BalanceLedger, workers: Int, log: @escaping @Sendable (String) -> Void) {
        self.ledger = ledger
        self.workers = workers
        self.log = log
    }

    func configure(_ config: Configuration) {
        settings = config.balance
        quietPeriod = config.balance?.quietPeriod ?? config.retrain?.quietPeriod ?? 30
        profiles = config.profiles
        limits = DecodeLimits(maxPixels: config.daemon.maxPixels)
        layout = DatasetLayout(root: config.daemon.datasetRoot)
        lockPath = "\(config.daemon.stateDir)/balance.lock"
        balancedAdded = -1   // settings may have changed: look again once quiet
    }

    /// `added`: originals added since start; `idle`: nothing queued or in flight.
    func tick(monotonicNow now: Double, added: Int, idle: Bool) {
        guard let settings, !running.isSet else { return }
        if added != seenAdded || !idle {
            if added != seenAdded { seenAdded = added }
            changedAt = now
            return
        }
        guard now - changedAt >= quietPeriod, balancedAdded != added else { return }
        balancedAdded = added
        running.set(true)
        let (ledger, log, running, lockPath) = (self.ledger, self.log, self.running, self.lockPath)
        let balancer = Balancer(ledger: ledger, layout: layout, limits: limits, profiles: profiles, workers: workers)
        let thread = Thread {
            defer { running.set(false) }
            guard let lock = try? FileLock.tryAcquire(lockPath) else {
                log("balance: another balance run holds \(lockPath); trying again after the next arrivals")
                return
            }
            defer { lock.release() }
            do {
                let plan = BalancePlan.make(try ledger.balanceCandidates(), settings: settings)
                guard plan.variantCount > 0 else { return }
                let short = plan.labels.filter { $0.after != $0.before }.map { "\($0.name) \($0.before)→\($0.after)" }
                log("balance: adding \(plan.variantCount) variants (\(short.joined(separator: ", ")))")
                let result = balancer.run(plan, shouldStop: { ProcessSignals.isStopRequested })
                for failure in result.failures { log("balance: \(failure.original): \(failure.reason)") }
                let stopped = ProcessSignals.isStopRequested && result.variants < plan.variantCount
                log("balance: \(result.variants) variants written\(stopped ? "; stopped early (the rest at the next start)" : "")")
            } catch {
                log("balance: cannot read the ledger: \(error)")
            }
        }
        thread.name = "augmentd-balance"
        thread.start()
    }

    /// Waits for a run in flight, which the stop request ends between originals.
    func stop() {
        while running.isSet { Thread.sleep(forTimeInterval: 0.05) }
    }
}
