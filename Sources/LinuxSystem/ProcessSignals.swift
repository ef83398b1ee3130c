#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// SIGTERM and SIGINT ask the process to stop; SIGHUP asks it to reload. The handlers only set
/// atomic flags, which the main loop (and a retrain run in flight) read.
public enum ProcessSignals {
    static let stop = Atomic<Bool>(false)
    static let reload = Atomic<Bool>(false)

    /// SIGTERM and SIGINT set the stop flag; with `reload`, SIGHUP sets the reload flag.
    public static func install(reload handlesReload: Bool) {
        let onStop: @convention(c) (Int32) -> Void = { _ in ProcessSignals.stop.store(true, ordering: .relaxed) }
        let onReload: @convention(c) (Int32) -> Void = { _ in ProcessSignals.reload.store(true, ordering: .relaxed) }
        signal(SIGTERM, onStop)
        signal(SIGINT, onStop)
        if handlesReload { signal(SIGHUP, onReload) }
        // A log reader that went away (`| head`, a restarted shipper) must not kill us: writes to
        // a closed pipe then fail with EPIPE, which the log sink drops. Children get SIG_DFL back.
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these blocked (the mask is inherited): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public static var isStopRequested: Bool { stop.load(ordering: .relaxed) }

    /// Asks for a stop as SIGTERM would (used when the process decides to stop by itself).
    public static func requestStop() { stop.store(true, ordering: .relaxed) }

    /// True once per SIGHUP (or burst of them).
    public static func takeReloadRequest() -> Bool { reload.exchange(false, ordering: .relaxed) }
}
