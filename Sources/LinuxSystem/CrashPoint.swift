import Glibc
import Synchronization

/// Named places where the tests can make the process die as `kill -9` would
/// (`AUGMENTD_CRASH_AT=<name>`, or `<name>@<n>` to die the n-th time it is reached), so crash
/// repair is tested at an exact moment rather than by racing a timer. Without the variable this
/// is one comparison.
public enum CrashPoint {
    private static let chosen: (name: String, hit: Int)? = {
        guard let raw = getenv("AUGMENTD_CRASH_AT").map({ String(cString: $0) }) else { return nil }
        let parts = raw.split(separator: "@", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? max(Int(parts[1]) ?? 1, 1) : 1)
    }()
    private static let hits = Atomic<Int>(0)

    /// Dies at once (SIGKILL: no cleanup, no flush) when `name` is the chosen crash point.
    public static func reached(_ name: String) {
        guard let chosen, chosen.name == name else { return }
        if hits.wrappingAdd(1, ordering: .relaxed).newValue >= chosen.hit { kill(getpid(), SIGKILL) }
    }
}
