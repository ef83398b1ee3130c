import Config
import Ledger

/// When to start a retraining run (DESIGN.md "Retraining"): a pure function of the ledger's
/// state, the clock and whether a run is in flight, so every rule is tested on its own.
public struct RetrainPolicy: Sendable {
    public let settings: RetrainSettings

    public init(settings: RetrainSettings) { self.settings = settings }

    public enum Decision: Equatable, Sendable {
        case start
        /// Not now, and why (for logs and `status`); `until` is when the time rules next allow a
        /// start, when time is what is missing.
        case wait(String, until: Double?)
    }

    /// Ages (seconds) of the ledger's last arrival and last run start, as the caller measured them:
    /// the daemon with its monotonic clock, so a wall clock set back does not stall retraining.
    public struct Ages: Sendable, Equatable {
        public var sinceArrival: Double?
        public var sinceStart: Double?
        public init(sinceArrival: Double?, sinceStart: Double?) {
            self.sinceArrival = sinceArrival
            self.sinceStart = sinceStart
        }
    }

    /// With wall-clock ages (`now` minus the ledger's times); `until` is a wall time.
    public func decide(_ state: RetrainLedgerState, runInFlight: Bool, now: Double) -> Decision {
        let ages = Ages(sinceArrival: state.lastArrival.map { now - $0 }, sinceStart: state.lastStart.map { now - $0 })
        return decide(state, runInFlight: runInFlight, ages: ages, now: now)
    }

    /// `until` is `now` plus what is missing, in the caller's clock.
    public func decide(_ state: RetrainLedgerState, runInFlight: Bool, ages: Ages, now: Double) -> Decision {
        if runInFlight { return .wait("a run is in flight", until: nil) }
        let enoughOverall = state.untrainedOriginals >= settings.minNewOriginals
        let busiestLabel = state.untrainedPerLabel.max { $0.value < $1.value }
        let enoughInOneLabel = settings.minNewPerLabel > 0 && (busiestLabel?.value ?? 0) >= settings.minNewPerLabel
        if !enoughOverall && !enoughInOneLabel {
            var reason = "\(state.untrainedOriginals) new original\(state.untrainedOriginals == 1 ? "" : "s") of \(settings.minNewOriginals) needed"
            if settings.minNewPerLabel > 0 {
                reason += " (or \(settings.minNewPerLabel) in one label; most: \(busiestLabel?.value ?? 0))"
            }
            return .wait(reason, until: nil)
        }
        if let age = ages.sinceArrival, age < settings.quietPeriod {
            return .wait("arrivals have not paused for \(Self.duration(settings.quietPeriod))\(Self.clockNote(age))",
                         until: now + settings.quietPeriod - age)
        }
        if let age = ages.sinceStart, age < settings.minInterval {
            return .wait("the last run started less than \(Self.duration(settings.minInterval)) ago\(Self.clockNote(age))",
                         until: now + settings.minInterval - age)
        }
        return .start
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : "\(Int(seconds)) s"
    }

    /// A negative age is a record from the future: the wall clock was set back since.
    static func clockNote(_ age: Double) -> String {
        age < -1 ? " (the clock is \(Int(-age)) s behind the ledger's record: it was set back; the daemon measures with its monotonic clock)" : ""
    }
}
