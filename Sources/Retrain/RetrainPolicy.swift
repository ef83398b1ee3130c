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

    public func decide(_ state: RetrainLedgerState, runInFlight: Bool, now: Double) -> Decision {
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
        if let lastArrival = state.lastArrival, now - lastArrival < settings.quietPeriod {
            return .wait("arrivals have not paused for \(Int(settings.quietPeriod)) s", until: lastArrival + settings.quietPeriod)
        }
        if let lastStart = state.lastStart, now - lastStart < settings.minInterval {
            return .wait("the last run started less than \(Int(settings.minInterval)) s ago", until: lastStart + settings.minInterval)
        }
        return .start
    }
}
