import Glibc

/// Named places where the tests can make the process die as `kill -9` would (`AUGMENTD_CRASH_AT=<name>`),
/// so crash repair is tested at an exact moment rather than by racing a timer. Without the
/// variable this is one comparison.
public enum CrashPoint {
    private static let chosen: String? = getenv("AUGMENTD_CRASH_AT").map { String(cString: $0) }

    /// Dies at once (SIGKILL: no cleanup, no flush) when `name` is the chosen crash point.
    public static func reached(_ name: String) {
        guard chosen == name else { return }
        kill(getpid(), SIGKILL)
    }
}
