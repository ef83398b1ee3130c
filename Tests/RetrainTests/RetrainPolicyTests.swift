import Config
import Ledger
import Retrain
import Testing

/// The trigger policy alone, with the clock passed in: every rule, and the order they are checked in.
struct RetrainPolicyTests {
    static func settings(minNew: Int = 10, perLabel: Int = 0, quiet: Double = 30, interval: Double = 600) -> RetrainSettings {
        var s = RetrainSettings(command: ["train"])
        s.minNewOriginals = minNew
        s.minNewPerLabel = perLabel
        s.quietPeriod = quiet
        s.minInterval = interval
        return s
    }

    static func state(_ perLabel: [String: Int], lastArrival: Double? = nil, lastStart: Double? = nil) -> RetrainLedgerState {
        var state = RetrainLedgerState()
        state.untrainedPerLabel = perLabel
        state.untrainedOriginals = perLabel.values.reduce(0, +)
        state.lastArrival = lastArrival
        state.lastStart = lastStart
        return state
    }

    @Test func startsWhenEnoughIsNewArrivalsPausedAndTheIntervalPassed() {
        let policy = RetrainPolicy(settings: Self.settings())
        #expect(policy.decide(Self.state(["cats": 10], lastArrival: 1000, lastStart: 400), runInFlight: false, now: 1030) == .start)
    }

    @Test func waitsBelowTheThreshold() {
        let policy = RetrainPolicy(settings: Self.settings())
        let decision = policy.decide(Self.state(["cats": 6, "dogs": 3], lastArrival: 0), runInFlight: false, now: 10_000)
        #expect(decision == .wait("9 new originals of 10 needed", until: nil))
    }

    @Test func enoughInOneLabelIsEnoughWhenMinNewPerLabelIsSet() {
        let policy = RetrainPolicy(settings: Self.settings(minNew: 100, perLabel: 5))
        #expect(policy.decide(Self.state(["cats": 5, "dogs": 1]), runInFlight: false, now: 10_000) == .start)
        #expect(policy.decide(Self.state(["cats": 4, "dogs": 4]), runInFlight: false, now: 10_000)
                == .wait("8 new originals of 100 needed (or 5 in one label; most: 4)", until: nil))
    }

    @Test func waitsUntilArrivalsPauseForTheQuietPeriod() {
        let policy = RetrainPolicy(settings: Self.settings(quiet: 30))
        let state = Self.state(["cats": 50], lastArrival: 1000)
        #expect(policy.decide(state, runInFlight: false, now: 1029.9) == .wait("arrivals have not paused for 30 s", until: 1030))
        #expect(policy.decide(state, runInFlight: false, now: 1030) == .start)
    }

    @Test func waitsForTheMinimumIntervalSinceTheLastStart() {
        let policy = RetrainPolicy(settings: Self.settings(quiet: 0, interval: 600))
        let state = Self.state(["cats": 50], lastArrival: 100, lastStart: 1000)
        #expect(policy.decide(state, runInFlight: false, now: 1599)
                == .wait("the last run started less than 600 s ago", until: 1600))
        #expect(policy.decide(state, runInFlight: false, now: 1600) == .start)
    }

    @Test func neverStartsWhileARunIsInFlight() {
        let policy = RetrainPolicy(settings: Self.settings(minNew: 1, quiet: 0, interval: 0))
        #expect(policy.decide(Self.state(["cats": 1000]), runInFlight: true, now: 1e9) == .wait("a run is in flight", until: nil))
    }

    @Test func aFailedRunIsRetriedAfterTheIntervalWithTheSameFiles() {
        // A failure leaves the files untrained: the counts stay, only the interval holds the retry back.
        let policy = RetrainPolicy(settings: Self.settings(minNew: 2, quiet: 0, interval: 60))
        let afterFailure = Self.state(["cats": 2], lastArrival: 0, lastStart: 500)
        #expect(policy.decide(afterFailure, runInFlight: false, now: 559) != .start)
        #expect(policy.decide(afterFailure, runInFlight: false, now: 560) == .start)
    }
}
