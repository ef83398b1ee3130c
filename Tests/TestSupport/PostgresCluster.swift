import Foundation

/// A throwaway PostgreSQL cluster for one test: Debian's server binaries (whichever major version
/// is installed), `initdb` and `pg_ctl` run as the `postgres` user when the tests run as root, the
/// socket in the cluster's own temporary folder, no TCP, trust authentication. Stopped and removed
/// when released.
public final class PostgresCluster: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    let bin: String

    /// The newest installed server's `bin` folder, or nil when no server is installed.
    public static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// Why PostgreSQL tests cannot run here, or nil. CI sets AUGMENTD_REQUIRE_POSTGRES=1 so a
    /// missing server fails the suite instead of skipping.
    public static var unavailableReason: String? {
        if binDirectory == nil {
            if ProcessInfo.processInfo.environment["AUGMENTD_REQUIRE_POSTGRES"] == "1" { return nil }
            return "no PostgreSQL server installed (apt-get install postgresql); the several-hosts tests are skipped"
        }
        return nil
    }

    public init(_ label: String = "pg") throws {
        guard let bin = Self.binDirectory else { throw Failure("no PostgreSQL server under /usr/lib/postgresql") }
        self.bin = bin
        // Short: the socket path (folder + /.s.PGSQL.port) must fit in 107 bytes.
        directory = URL(fileURLWithPath: "/tmp/\(label)-\(UUID().uuidString.prefix(8))")
        port = Int.random(in: 20000...60000)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            guard let user = getpwnam("postgres") else { throw Failure("no postgres user (install Debian's postgresql package)") }
            chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        try runAsServerUser("initdb", ["-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync"])
        try start()
        try runAsServerUser("createdb", ["-h", directory.path, "-p", "\(port)", "-U", "postgres", "augmentd"])
    }

    deinit {
        try? runAsServerUser("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    var data: String { directory.appendingPathComponent("data").path }

    /// The libpq URI of database `name` over the cluster's socket.
    public func url(_ name: String = "augmentd") -> String {
        "postgresql:///\(name)?host=\(directory.path)&port=\(port)&user=postgres"
    }

    public func start() throws {
        let options = "-c listen_addresses='' -c unix_socket_directories='\(directory.path)' -p \(port) -c fsync=off"
        try runAsServerUser("pg_ctl", ["-D", data, "-o", options, "-l", directory.appendingPathComponent("server.log").path,
                                       "-w", "-t", "60", "start"])
    }

    /// Stops the server at once (`-m immediate`: every connection dropped, as in a crash).
    public func stop() throws {
        try runAsServerUser("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    public func query(_ sql: String, database: String = "augmentd") throws -> String {
        let out = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/psql"),
                                     ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database), "-c", sql])
        guard out.status == 0 else { throw Failure("psql: \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Started with posix_spawn and reaped with waitpid, output to a file: the server `pg_ctl`
    /// starts inherits every descriptor, and Foundation's Process waits for one of its own to
    /// close (it never would while the server runs).
    func runAsServerUser(_ program: String, _ arguments: [String]) throws {
        let path = "\(bin)/\(program)"
        let outputPath = directory.appendingPathComponent("\(program).out").path
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw Failure("cannot start \(argv[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure("\(program) \(arguments.joined(separator: " ")): \(text)")
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
