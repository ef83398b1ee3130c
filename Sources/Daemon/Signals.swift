#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// SIGTERM and SIGINT ask the daemon to stop; SIGHUP asks it to reload its configuration.
/// The handlers only set atomic flags, which the main loop reads.
enum DaemonSignals {
    static let stopRequested = Atomic<Bool>(false)
    static let reloadRequested = Atomic<Bool>(false)

    static func install() {
        let stop: @convention(c) (Int32) -> Void = { _ in DaemonSignals.stopRequested.store(true, ordering: .relaxed) }
        let reload: @convention(c) (Int32) -> Void = { _ in DaemonSignals.reloadRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM, stop)
        signal(SIGINT, stop)
        signal(SIGHUP, reload)
        // A parent may have started us with these blocked (the mask is inherited): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

    /// True once per SIGHUP (or burst of them).
    static func takeReloadRequest() -> Bool { reloadRequested.exchange(false, ordering: .relaxed) }
}
