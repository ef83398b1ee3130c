import Foundation
import Testing
import TestSupport

/// Several daemons on one dataset with one PostgreSQL ledger: the real binary, a throwaway
/// cluster of Debian's server, nodes with their own `node_name` and `state_dir`.
@Suite(.serialized, .disabled(if: PostgresCluster.unavailableReason != nil, "\(PostgresCluster.unavailableReason ?? "")"))
struct SeveralHostsTests {
    /// One node's config: its own state_dir, the shared dataset, inbox and database.
    static func nodeConfig(_ dir: TemporaryDirectory, _ cluster: PostgresCluster, node: String, inbox: String = "inbox",
                           variants: Int = 2, lease: String = "5s", metrics: Bool = false, extra: String = "") throws -> URL {
        let url = dir.file("\(node).toml")
        try FileManager.default.createDirectory(at: dir.file(inbox), withIntermediateDirectories: true)
        try DaemonTests.configText(variants: variants, metrics: metrics, extra: """
            [ledger]
            url = "\(cluster.url())"
            lease = "\(lease)"
            \(extra)
            """)
            .replacingOccurrences(of: "state_dir = \"state\"", with: "state_dir = \"state-\(node)\"\nnode_name = \"\(node)\"")
            .replacingOccurrences(of: "inbox = \"inbox\"", with: "inbox = \"\(inbox)\"")
            .write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func drop(_ dir: TemporaryDirectory, seeds: ClosedRange<UInt64>, inbox: String = "inbox", label: String = "cats") throws {
        try FileManager.default.createDirectory(at: dir.file("\(inbox)/\(label)"), withIntermediateDirectories: true)
        for seed in seeds {
            // Written beside, then renamed in: each file appears whole, at once.
            let temp = dir.file("\(inbox)/.incoming-\(seed)")
            try Data(DaemonTests.png(seed)).write(to: temp)
            try FileManager.default.moveItem(at: temp, to: dir.file("\(inbox)/\(label)/f\(seed).png"))
        }
    }

    /// Dataset files a loader sees (dot-files left out).
    static func visibleTree(_ dir: TemporaryDirectory) -> [String: Data] {
        treeContents(dir.file("dataset")).filter { !$0.key.split(separator: "/").contains { $0.hasPrefix(".") } }
    }

    @Test func twoAndThreeNodesOnOneInboxTakeEveryFileExactlyOnce() throws {
        for nodes in [2, 3] {
            let cluster = try PostgresCluster()
            let dir = try TemporaryDirectory("hosts-shared-\(nodes)")
            try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
            let names = (1...nodes).map { "node\($0)" }
            let daemons = try names.map { name in
                try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: name), workingDirectory: dir.url,
                                  log: dir.file("\(name).log"))
            }
            for daemon in daemons { #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)") }
            // 200 files at once: a label folder moved in whole. (Files trickling in one by one are
            // taken by whichever node's idle worker is quickest, often the same one, which is fine.)
            try Self.drop(dir, seeds: 1...200, inbox: "outside")
            try FileManager.default.moveItem(at: dir.file("outside/cats"), to: dir.file("inbox/cats"))
            #expect(eventually(within: 180) { DaemonTests.waiting(dir.file("inbox")).isEmpty },
                    "\(daemons.map(\.log).joined(separator: "\n---\n"))")
            #expect(eventually { (try? cluster.query("SELECT count(*) FROM originals WHERE status = 'processing'")) == "0" })
            for daemon in daemons { #expect(daemon.stop(SIGTERM) == 0, "\(daemon.log)") }

            // Every original exactly once: 200 rows, 200 originals and 400 variants in the tree.
            #expect(try cluster.query("SELECT count(*) FROM originals WHERE status = 'done'") == "200")
            let tree = Self.visibleTree(dir)
            #expect(tree.keys.filter { !$0.contains("-aug") }.count == 200)
            #expect(tree.keys.filter { $0.contains("-aug") }.count == 400)
            // Nodes that lose the race for a file record nothing about it: no duplicate, no failure.
            let events = try cluster.query("SELECT node || ' ' || kind || ' ' || reason FROM events LIMIT 5")
            #expect(events.isEmpty, "\(events)")
            // The work was shared.
            let workers = try cluster.query("SELECT count(DISTINCT done_by) FROM originals")
            let shares = try cluster.query("SELECT string_agg(done_by || ': ' || n, ', ') FROM "
                                           + "(SELECT done_by, count(*) AS n FROM originals GROUP BY done_by ORDER BY done_by) s")
            #expect((Int(workers) ?? 0) > 1, "one node did everything (\(shares)): \(daemons.map(\.log).joined(separator: "\n---\n"))")
            // A single node's tree from the same files is the same, byte for byte.
            let single = try TemporaryDirectory("hosts-single")
            let singleConfig = try DaemonTests.config(single)
            try FileManager.default.createDirectory(at: single.file("inbox/cats"), withIntermediateDirectories: true)
            for seed in 1...200 as ClosedRange<UInt64> { try Data(DaemonTests.png(seed)).write(to: single.file("inbox/cats/f\(seed).png")) }
            let alone = try DaemonProcess(config: singleConfig, workingDirectory: single.url, log: single.file("log"))
            #expect(eventually(within: 180) { DaemonTests.waiting(single.file("inbox")).isEmpty }, "\(alone.log)")
            #expect(alone.stop(SIGTERM) == 0)
            #expect(Self.visibleTree(single) == tree, "\(nodes) nodes wrote another tree than one node")
        }
    }

    /// Node a dies (SIGKILL at a named point of its 3rd file: variants written but the original
    /// still in the inbox, or the original placed but not recorded) holding claims; node b takes
    /// them over once a's lease has run out and the dataset ends complete.
    @Test(arguments: ["variants-written@3", "original-placed@3"])
    func aNodeKilledMidBurstIsFinishedByTheOthersAfterItsLease(crashAt: String) throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-kill")
        try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
        let a = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "a"), workingDirectory: dir.url, log: dir.file("a.log"),
                                  environment: ["AUGMENTD_CRASH_AT": crashAt])
        #expect(eventually { a.log.contains("watching 1 inbox") }, "\(a.log)")
        try Self.drop(dir, seeds: 301...420)
        #expect(eventually(within: 120) { !a.process.isRunning }, "node a did not reach \(crashAt): \(a.log)")
        #expect((Int(try cluster.query("SELECT count(*) FROM originals WHERE status = 'processing' AND node = 'a'")) ?? 0) > 0,
                "node a died holding no claim")
        // Node b comes up on the same inbox while a's lease still runs.
        let b = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "b"), workingDirectory: dir.url, log: dir.file("b.log"))
        #expect(eventually(within: 180) {
            DaemonTests.waiting(dir.file("inbox")).isEmpty
                && (try? cluster.query("SELECT count(*) FROM originals WHERE status = 'processing'")) == "0"
        }, "\(b.log)")
        // Node a's claims were taken over (a later attempt finished them), not waited for forever.
        #expect((Int(try cluster.query("SELECT count(*) FROM originals WHERE attempt > 1")) ?? 0) > 0, "\(b.log)")
        // `status` names both nodes: a lost, b running.
        let status = try AugmentdBinary.run(["status", "--config", dir.file("b.toml").path], currentDirectory: dir.url)
        #expect(status.stdout.contains("lost (lease ran out)") && status.stdout.contains("running"), "\(status.stdout)\(status.stderr)")
        #expect(b.stop(SIGTERM) == 0, "\(b.log)")
        #expect(try cluster.query("SELECT count(*) FROM originals WHERE status = 'done'") == "120")
        let tree = Self.visibleTree(dir)
        #expect(tree.keys.filter { !$0.contains("-aug") }.count == 120 && tree.keys.filter { $0.contains("-aug") }.count == 240)
        // What node a left half-written is gone too.
        #expect(treeContents(dir.file("dataset")).keys.filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func theSameBytesAtTwoNodesAtOnceAreOneOriginal() throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-same-bytes")
        let a = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "a", inbox: "inbox-a", metrics: true),
                                  workingDirectory: dir.url, log: dir.file("a.log"))
        let b = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "b", inbox: "inbox-b"), workingDirectory: dir.url,
                                  log: dir.file("b.log"))
        for daemon in [a, b] { #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)") }
        // 20 files, each dropped into both stations' inboxes at once.
        try Self.drop(dir, seeds: 501...520, inbox: "inbox-a")
        try Self.drop(dir, seeds: 501...520, inbox: "inbox-b")
        #expect(eventually(within: 120) {
            DaemonTests.waiting(dir.file("inbox-a")).isEmpty && DaemonTests.waiting(dir.file("inbox-b")).isEmpty
        }, "\(a.log)\n---\n\(b.log)")
        for daemon in [a, b] { #expect(daemon.stop(SIGTERM) == 0) }
        #expect(try cluster.query("SELECT count(*) FROM originals") == "20")
        #expect(try cluster.query("SELECT count(*) FROM events WHERE kind = 'duplicate'") == "20")
        #expect(Self.visibleTree(dir).keys.filter { !$0.contains("-aug") }.count == 20)
        // Node a's metrics name it; the counts are the shared ledger's (both nodes').
        let metrics = try String(contentsOf: dir.file("metrics.prom"), encoding: .utf8)
        #expect(metrics.contains("augmentd_node_info{ledger=\"postgresql\",node=\"a\"} 1"), "\(metrics)")
        #expect(metrics.contains("augmentd_nodes{state=\"stopped\"} 1") || metrics.contains("augmentd_nodes{state=\"running\"} 2"),
                "\(metrics)")
        #expect(metrics.contains("augmentd_duplicates_total{inbox="), "\(metrics)")
    }

    @Test func retrainRunsNeverOverlapAcrossNodes() throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-retrain")
        // The trainer records when it starts and ends, and takes a while.
        let trainer = dir.file("train.sh")
        try """
            #!/bin/sh
            echo "start $(date +%s.%N) $AUGMENTD_RUN_ID" >> "\(dir.file("runs.txt").path)"
            sleep 2
            echo "end $(date +%s.%N) $AUGMENTD_RUN_ID" >> "\(dir.file("runs.txt").path)"
            """.write(to: trainer, atomically: true, encoding: .utf8)
        chmod(trainer.path, 0o755)
        let retrain = """
            [retrain]
            command = ["\(trainer.path)"]
            min_new_originals = 1
            quiet_period = "0s"
            min_interval = "0s"
            """
        let daemons = try ["a", "b", "c"].map { name in
            try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: name, inbox: "inbox-\(name)", variants: 1, extra: retrain),
                              workingDirectory: dir.url, log: dir.file("\(name).log"))
        }
        for daemon in daemons { #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)") }
        // Files keep arriving at every node, so every node keeps wanting to retrain.
        for round in 0..<4 as Range<UInt64> {
            for (index, name) in ["a", "b", "c"].enumerated() {
                let seed = 600 + round * 10 + UInt64(index)
                try Self.drop(dir, seeds: seed...seed, inbox: "inbox-\(name)")
            }
            Thread.sleep(forTimeInterval: 1.5)
        }
        #expect(eventually(within: 120) {
            (try? cluster.query("SELECT count(*) FROM originals WHERE trained_run IS NULL")) == "0"
        }, "\(daemons.map(\.log).joined(separator: "\n---\n"))")
        for daemon in daemons { #expect(daemon.stop(SIGTERM) == 0) }
        let runs = try cluster.query("SELECT node || ' ' || started_at || ' ' || ended_at FROM retrain_runs ORDER BY started_at")
            .split(separator: "\n").map { $0.split(separator: " ") }
        #expect(runs.count >= 2, "\(runs)")
        // No node starts a run with nothing new because another node's run ended just before.
        #expect(try cluster.query("SELECT count(*) FROM retrain_runs WHERE originals = 0") == "0",
                "\(daemons.map(\.log).joined(separator: "\n---\n"))")
        // Never two at once: each run ends before the next starts.
        for (earlier, later) in zip(runs, runs.dropFirst()) {
            #expect(Double(earlier[2])! <= Double(later[1])!, "\(earlier) overlaps \(later)")
        }
        // The trainer's own record agrees: starts and ends alternate.
        let events = try String(contentsOf: dir.file("runs.txt"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ")[0] }
        #expect(events == Array(repeating: ["start", "end"], count: events.count / 2).flatMap { $0 }, "\(events)")
    }

    @Test func aDatabaseRestartMidBurstIsWaitedForAndNothingIsLost() throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-db-restart")
        try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
        let a = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "a"), workingDirectory: dir.url, log: dir.file("a.log"))
        let b = try DaemonProcess(config: try Self.nodeConfig(dir, cluster, node: "b"), workingDirectory: dir.url, log: dir.file("b.log"))
        for daemon in [a, b] { #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)") }
        try Self.drop(dir, seeds: 701...800)
        #expect(eventually(within: 60) {
            (try? cluster.query("SELECT count(*) FROM originals")).flatMap { Int($0) } ?? 0 > 10
        })
        try cluster.stop()
        // Files also arrive while the database is down (on a fast machine the first burst may be
        // done by then): the nodes must find it gone, and these files must wait for it.
        try Self.drop(dir, seeds: 801...820)
        #expect(eventually(within: 60) { (a.log + b.log).contains("does not answer") }, "\(a.log)\n---\n\(b.log)")
        try cluster.start()
        #expect(eventually(within: 240) {
            DaemonTests.waiting(dir.file("inbox")).isEmpty
                && (try? cluster.query("SELECT count(*) FROM originals WHERE status = 'processing'")) == "0"
                && (a.log + b.log).contains("answers again")
        }, "\(a.log)\n---\n\(b.log)")
        for daemon in [a, b] { #expect(daemon.stop(SIGTERM) == 0, "\(daemon.log)") }
        #expect(try cluster.query("SELECT count(*) FROM originals WHERE status = 'done'") == "120")
        let tree = Self.visibleTree(dir)
        #expect(tree.keys.filter { !$0.contains("-aug") }.count == 120 && tree.keys.filter { $0.contains("-aug") }.count == 240)
        #expect((a.log + b.log).contains("answers again"), "\(a.log)\n---\n\(b.log)")
    }

    @Test func aNodeNameInUseIsRefused() throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-name")
        let config = try Self.nodeConfig(dir, cluster, node: "twin")
        let first = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("first.log"))
        #expect(eventually { first.log.contains("watching 1 inbox") }, "\(first.log)")
        // Another state_dir, the same node_name.
        let second = dir.file("second.toml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "state-twin", with: "state-other")
            .write(to: second, atomically: true, encoding: .utf8)
        let refused = try DaemonProcess(config: second, workingDirectory: dir.url, log: dir.file("second.log"))
        #expect(refused.stop(0) == 78, "\(refused.log)")
        #expect(refused.log.contains("node_name \"twin\" is in use"), "\(refused.log)")
        // kill -9 and a restart on the same host take the name back at once.
        first.kill9()
        let again = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("again.log"))
        #expect(eventually { again.log.contains("watching 1 inbox") }, "\(again.log)")
        #expect(again.stop(SIGTERM) == 0)
    }

    @Test func aMigratedLedgerKnowsEveryFileItHeld() throws {
        let cluster = try PostgresCluster()
        let dir = try TemporaryDirectory("hosts-migrate")
        let config = try DaemonTests.config(dir)
        try Self.drop(dir, seeds: 901...905)
        try Data("not an image".utf8).write(to: dir.file("inbox/cats/broken.png"))
        let sqlite = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("sqlite.log"))
        #expect(eventually {
            DaemonTests.waiting(dir.file("inbox")).isEmpty && Self.visibleTree(dir).keys.filter { !$0.contains("-aug") }.count == 5
        }, "\(sqlite.log)")
        #expect(sqlite.stop(SIGTERM) == 0)

        let migrate = try AugmentdBinary.run(["ledger", "migrate", "--config", config.path, "--to", cluster.url()],
                                             currentDirectory: dir.url)
        #expect(migrate.status == 0, "\(migrate.stdout)\(migrate.stderr)")
        #expect(migrate.stdout.contains("5 originals, 10 variants, 1 failures"), "\(migrate.stdout)")
        // Only into an empty database.
        let again = try AugmentdBinary.run(["ledger", "migrate", "--config", config.path, "--to", cluster.url()], currentDirectory: dir.url)
        #expect(again.status != 0 && again.stderr.contains("already holds 5 originals"), "\(again.stderr)")

        // A daemon on the database takes the same bytes as a duplicate and adds nothing.
        try (String(contentsOf: config, encoding: .utf8) + "[ledger]\nurl = \"\(cluster.url())\"\n")
            .write(to: config, atomically: true, encoding: .utf8)
        let before = Self.visibleTree(dir)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("pg.log"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try Data(DaemonTests.png(903)).write(to: dir.file("inbox/cats/copy.png"))
        #expect(eventually { daemon.log.contains("duplicate") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(Self.visibleTree(dir) == before)
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        struct Report: Decodable { struct Row: Decodable { let originals: Int; let failed: Int; let duplicates: Int }; let labels: [Row] }
        let rows = try JSONDecoder().decode(Report.self, from: Data(status.stdout.utf8)).labels
        #expect(rows.map(\.originals).reduce(0, +) == 5 && rows.map(\.failed).reduce(0, +) == 1
                && rows.map(\.duplicates).reduce(0, +) == 1, "\(status.stdout)\(status.stderr)")
    }
}
