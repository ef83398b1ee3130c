#if canImport(Glibc)
import Glibc
#endif
import CLinuxExtras

/// A child process started in a process group of its own (posix_spawn), so the whole tree it
/// starts can be signalled at once; stdin from /dev/null, stdout and stderr appended to a file.
public final class ProcessGroup {
    public let pid: pid_t
    /// The group's id (the leader's pid).
    public var groupID: pid_t { pid }

    /// How the leader ended.
    public enum Exit: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else: how it ended is unknown.
        case lost
    }

    /// Starts `arguments[0]` (looked up in PATH) with `environment` in `directory`. The
    /// descriptors in `inheriting` stay open in the child, as 3, 4, …; every other one is closed.
    public init(arguments: [String], environment: [String: String], directory: String, output: String,
                inheriting: [Int32] = []) throws(SystemError)
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The child gets stdin/stdout/stderr, then the inherited descriptors as 3, 4, …, and nothing
        // else: descriptors this process inherited without close-on-exec (a parent's pipes) must not
        // leak into a long-lived trainer.
        for (index, descriptor) in inheriting.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, descriptor, Int32(3 + index))
        }
        lx_spawn_file_actions_addclosefrom(&actions, Int32(3 + inheriting.count))
        lx_spawn_file_actions_addchdir(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new group (pgid = the child's pid); no blocked signals and default dispositions, so the
        // child's SIGTERM handling is its own and not inherited from the daemon.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, argv, envp)
        if result != 0 { throw .call("posix_spawnp \(arguments[0])", errno: result) }
        pid = child
    }

    /// The leader's exit, if it has ended (never blocks).
    public func poll() throws(SystemError) -> Exit? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 {
            if errno == EINTR { return nil }
            throw .call("waitpid", errno: errno)
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let termination = status & 0x7f
        return termination == 0 ? .exited((status >> 8) & 0xff) : .signaled(termination)
    }

    /// Asks every process of the group to end (SIGTERM); false when none is left.
    @discardableResult
    public func terminateGroup() -> Bool { kill(-groupID, SIGTERM) == 0 }

    /// Ends every process of the group (SIGKILL); false when none is left.
    @discardableResult
    public func killGroup() -> Bool { kill(-groupID, SIGKILL) == 0 }

    /// Whether any process of the group is still alive (zombies included until reaped).
    public var groupIsAlive: Bool { kill(-groupID, 0) == 0 }
}
