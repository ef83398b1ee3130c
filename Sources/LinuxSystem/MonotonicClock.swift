#if canImport(Glibc)
import Glibc
#endif

/// Seconds on CLOCK_MONOTONIC: for every interval the daemon measures (settling, backoff,
/// rescans, watchdog, quiet periods), so a wall clock set back or forward changes none of them.
/// Wall time is only for records (the ledger, file names, logs).
public enum MonotonicClock {
    public static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// The monotonic time at which the wall time `wall` will be (or was) reached, judged now.
    public static func deadline(forWall wall: Double, wallNow: Double) -> Double {
        now + (wall - wallNow)
    }
}
