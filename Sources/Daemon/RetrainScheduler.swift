import Config
import Foundation
import LinuxSystem
import Ledger
import Retrain
import Synchronization

/// The daemon's side of retraining: once a second it asks the policy, and starts a run on a
/// thread of its own when the policy says so (the main loop never waits for a trainer). At
/// shutdown it asks the run in flight to stop and waits until it is recorded.
final class RetrainScheduler {
    private var runner: RetrainRunner?
    private var policy: RetrainPolicy?
    private let ledger: any RetrainLedger
    private let log: @Sendable (String) -> Void
    private let running = Flag()
    private var lastCheck = -Double.infinity
    private var lastReason = ""
    private var arrivalAge = RecordAge()
    private var startAge = RecordAge()

    init(ledger: any RetrainLedger, log: @escaping @Sendable (String) -> Void) {
        self.ledger = ledger
        self.log = log
    }

    /// Takes the `[retrain]` settings of a (re)loaded configuration; nil turns retraining off.
    func configure(_ config: Configuration) {
        guard let settings = config.retrain else {
            runner = nil
            policy = nil
            return
        }
        runner = RetrainRunner(settings: settings, datasetRoot: config.daemon.datasetRoot,
                               stateDir: config.daemon.stateDir, ledger: ledger, log: log)
        policy = RetrainPolicy(settings: settings)
    }

    func tick(monotonicNow now: Double, wallNow: Double) {
        guard let runner, let policy, now - lastCheck >= 1, !running.isSet else { return }
        lastCheck = now
        guard let state = try? ledger.retrainState() else { return }
        let ages = RetrainPolicy.Ages(sinceArrival: arrivalAge.age(of: state.lastArrival, monotonicNow: now, wallNow: wallNow),
                                      sinceStart: startAge.age(of: state.lastStart, monotonicNow: now, wallNow: wallNow))
        let inFlight = runner.isRunInFlight() || state.runningOnAnotherNode != nil
        switch policy.decide(state, runInFlight: inFlight, ages: ages, now: now) {
        case .start:
            lastReason = ""
            running.set(true)
            let thread = Thread { [running, log] in
                switch runner.run(trigger: "policy") {
                case .busy: log("retrain: another run is in progress (on this host or another node); trying again later")
                case .notStarted(let why): log("retrain: not started: \(why)")
                case .nothingNew: log("retrain: not started: another node's run took every new original")
                case .finished: break
                }
                running.set(false)
            }
            thread.name = "augmentd-retrain"
            thread.start()
        case .wait(let reason, _):
            lastReason = reason
        }
    }

    /// Why no run is starting now ("" when one is about to, or retraining is off).
    var waitingReason: String { lastReason }

    /// Waits for the run in flight, which the stop request ends (SIGTERM to its group, SIGKILL
    /// after the grace) and records as interrupted.
    func stop() {
        guard running.isSet else { return }
        log("stopping: ending the retrain run in flight")
        ProcessSignals.requestStop()
        while running.isSet { Thread.sleep(forTimeInterval: 0.05) }
    }
}

/// The age of a wall-clock record (the ledger's last arrival or run start), measured from the
/// moment it was first seen with the monotonic clock: a clock set back (or forward) afterwards
/// changes nothing, and a record from the future (set back before) counts as new when seen.
struct RecordAge {
    private var seen: (wall: Double, monotonic: Double, ageWhenSeen: Double)?

    mutating func age(of wall: Double?, monotonicNow: Double, wallNow: Double) -> Double? {
        guard let wall else { return nil }
        if seen?.wall != wall { seen = (wall, monotonicNow, max(0, wallNow - wall)) }
        guard let seen else { return nil }
        return seen.ageWhenSeen + (monotonicNow - seen.monotonic)
    }
}

/// A flag shared with the run's thread.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set(_ on: Bool) { value.store(on, ordering: .relaxed) }
}
