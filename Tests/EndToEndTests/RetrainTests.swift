import Foundation
import Testing
import TestSupport

/// Retraining with the real binary and the tiny example trainer: the trigger, the manifest, one
/// run at a time, failures and timeouts, and a daemon killed during a run.
extension DaemonTests {
    static let tinyTrainer = TestPaths.repository.appendingPathComponent("etc/augmentd/examples/train_tiny.py").path

    /// A config whose [retrain] runs `command`; the trainer's model goes to `model.json`.
    static func retrainConfig(_ dir: TemporaryDirectory, command: [String], minNew: Int, minInterval: String = "1h",
                              timeout: String = "1m", quietPeriod: String = "300ms", valFraction: Double = 0,
                              metrics: Bool = false) throws -> URL {
        let argv = command.map { "\"\($0)\"" }.joined(separator: ", ")
        return try config(dir, valFraction: valFraction, metrics: metrics, extra: """
            [retrain]
            command = [\(argv)]
            min_new_originals = \(minNew)
            quiet_period = "\(quietPeriod)"
            min_interval = "\(minInterval)"
            timeout = "\(timeout)"
            stop_grace = "1s"
            """)
    }

    /// A shell script trainer in the test folder (for slow, failing and stubborn trainers).
    static func script(_ dir: TemporaryDirectory, _ name: String, _ body: String) throws -> String {
        let url = dir.file(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    struct RetrainStatus: Decodable {
        struct Run: Decodable {
            let id: String
            let result: String
            let originals: Int
            let variants: Int
            let manifestPath: String
            let exitCode: Int?
        }
        let pendingOriginals: Int
        let recentRuns: [Run]
    }

    static func retrainStatus(_ config: URL, _ dir: TemporaryDirectory) throws -> RetrainStatus {
        struct Report: Decodable { let retrain: RetrainStatus }
        let output = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Report.self, from: Data(output.stdout.utf8)).retrain
    }

    struct ManifestFile: Decodable {
        struct Entry: Decodable { let kind: String; let label: String; let split: String; let hash: String; let path: String; let variant: Int? }
        let runId: String
        let datasetRoot: String
        let newOriginals: Int
        let files: [Entry]
        let labelTotals: [String: [String: Int]]
    }

    static func manifest(_ path: String) throws -> ManifestFile {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ManifestFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    struct TinyModel: Decodable {
        struct Label: Decodable { let originals: Int; let files: Int }
        let labels: [String: Label]
        let trainedHashes: [String: String]
    }

    static func model(_ dir: TemporaryDirectory) throws -> TinyModel {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(TinyModel.self, from: Data(contentsOf: dir.file("model.json")))
    }

    static func drop(_ dir: TemporaryDirectory, label: String, seeds: [UInt64]) throws {
        try FileManager.default.createDirectory(at: dir.file("inbox/\(label)"), withIntermediateDirectories: true)
        for seed in seeds { try Data(png(seed)).write(to: dir.file("inbox/\(label)/f\(seed).png")) }
    }

    @Test func reachingTheThresholdStartsExactlyOneRunWithTheRightManifest() throws {
        let dir = try TemporaryDirectory("retrain-threshold")
        let config = try Self.retrainConfig(dir, command: ["python3", Self.tinyTrainer, "--model", dir.file("model.json").path],
                                            minNew: 3)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try Self.drop(dir, label: "cats", seeds: [1, 2])
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty })
        Thread.sleep(forTimeInterval: 1.5)
        #expect(!daemon.log.contains("retrain 2"), "a run started below the threshold: \(daemon.log)")
        try Self.drop(dir, label: "dogs", seeds: [3])
        #expect(eventually { daemon.log.contains("succeeded in") }, "\(daemon.log)")
        Thread.sleep(forTimeInterval: 1.5)   // a second run would have started by now
        #expect(daemon.stop(SIGTERM) == 0)

        let status = try Self.retrainStatus(config, dir)
        try #require(status.recentRuns.count == 1, "\(status.recentRuns)")
        let run = status.recentRuns[0]
        #expect(run.result == "succeeded" && run.originals == 3 && run.variants == 6 && run.exitCode == 0)
        #expect(status.pendingOriginals == 0)
        let manifest = try Self.manifest(run.manifestPath)
        #expect(manifest.runId == run.id && manifest.newOriginals == 3)
        #expect(manifest.datasetRoot == dir.file("dataset").standardizedFileURL.path)
        #expect(manifest.files.filter { $0.kind == "original" }.count == 3 && manifest.files.filter { $0.kind == "variant" }.count == 6)
        for seed: UInt64 in [1, 2, 3] {
            let label = seed == 3 ? "dogs" : "cats"
            #expect(manifest.files.contains { $0.kind == "original" && $0.hash == DigestHex.of(Self.png(seed)) && $0.label == label
                && $0.split == "train" && $0.path == "train/\(label)/f\(seed)-\(Self.h8(seed)).png" })
        }
        for entry in manifest.files {
            #expect(FileManager.default.fileExists(atPath: "\(manifest.datasetRoot)/\(entry.path)"), "\(entry.path)")
        }
        #expect(manifest.labelTotals["cats"]?["train_originals"] == 2 && manifest.labelTotals["dogs"]?["variants"] == 2)
        let model = try Self.model(dir)
        #expect(model.trainedHashes.count == 3 && model.labels["cats"]?.originals == 2 && model.labels["cats"]?.files == 6)
        let log = try String(contentsOfFile: dir.file("state/retrain/\(run.id).log").path, encoding: .utf8)
        #expect(log.contains("trained on 3 new originals"))
    }

    @Test func filesArrivingDuringARunGoToTheNextRun() throws {
        let dir = try TemporaryDirectory("retrain-during")
        let slow = try Self.script(dir, "slow.sh", "sleep 2\nexec python3 \"\(Self.tinyTrainer)\" --model \"\(dir.file("model.json").path)\"")
        let config = try Self.retrainConfig(dir, command: [slow], minNew: 2, minInterval: "0")
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") })
        try Self.drop(dir, label: "cats", seeds: [11, 12])
        #expect(eventually { daemon.log.contains(": started ") }, "\(daemon.log)")
        try Self.drop(dir, label: "cats", seeds: [13, 14])
        #expect(eventually { daemon.log.components(separatedBy: "succeeded in").count == 3 }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let runs = try Self.retrainStatus(config, dir).recentRuns.reversed().map { $0 }
        try #require(runs.count == 2)
        let first = try Self.manifest(runs[0].manifestPath), second = try Self.manifest(runs[1].manifestPath)
        func hashes(_ m: ManifestFile) -> Set<String> { Set(m.files.filter { $0.kind == "original" }.map(\.hash)) }
        #expect(hashes(first) == Set([11, 12].map { DigestHex.of(Self.png($0)) }))
        #expect(hashes(second) == Set([13, 14].map { DigestHex.of(Self.png($0)) }))
        #expect(try Self.model(dir).labels["cats"]?.originals == 4)
    }

    @Test func aFailingTrainerKeepsFilesPendingAndALaterSuccessClearsThem() throws {
        let dir = try TemporaryDirectory("retrain-fail")
        let flaky = try Self.script(dir, "flaky.sh", """
            if [ -e "\(dir.file("fail.flag").path)" ]; then echo "simulated failure" >&2; exit 3; fi
            exec python3 "\(Self.tinyTrainer)" --model "\(dir.file("model.json").path)"
            """)
        try Data().write(to: dir.file("fail.flag"))
        let config = try Self.retrainConfig(dir, command: [flaky], minNew: 2, minInterval: "1s", metrics: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        try Self.drop(dir, label: "birds", seeds: [21, 22])
        #expect(eventually { daemon.log.contains("failed with exit status 3") }, "\(daemon.log)")
        var status = try Self.retrainStatus(config, dir)
        #expect(status.pendingOriginals == 2)
        try FileManager.default.removeItem(at: dir.file("fail.flag"))
        #expect(eventually { daemon.log.contains("succeeded in") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        status = try Self.retrainStatus(config, dir)
        #expect(status.pendingOriginals == 0)
        let results = status.recentRuns.map(\.result)
        #expect(results.first == "succeeded" && results.dropFirst().allSatisfy { $0 == "failed" }, "\(results)")
        #expect(status.recentRuns.allSatisfy { $0.originals == 2 }, "every attempt was given the same two files")
        let failedLog = try String(contentsOfFile: dir.file("state/retrain/\(status.recentRuns.last!.id).log").path, encoding: .utf8)
        #expect(failedLog.contains("simulated failure"))
        // The metrics file counts the runs by result, as the ledger does.
        let samples = try PrometheusParser.parse(String(contentsOf: dir.file("metrics.prom"), encoding: .utf8))
        func runs(_ result: String) -> Double? {
            samples.first { $0.name == "augmentd_retrain_runs_total" && $0.labels["result"] == result }?.value
        }
        #expect(runs("succeeded") == 1)
        #expect(runs("failed") == Double(results.filter { $0 == "failed" }.count))
    }

    @Test func aStubbornTrainerAndItsGrandchildAreKilledAtTheTimeout() throws {
        let dir = try TemporaryDirectory("retrain-timeout")
        let pidFile = dir.file("grandchild.pid").path
        let stubborn = try Self.script(dir, "stubborn.sh", """
            trap '' TERM
            sleep 1000 &
            echo $! > "\(pidFile)"
            while true; do sleep 0.1; done
            """)
        let config = try Self.retrainConfig(dir, command: [stubborn], minNew: 1, timeout: "1s")
        try Self.drop(dir, label: "cats", seeds: [31])
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty })
        #expect(daemon.stop(SIGTERM) == 0)

        // --dry-run shows what a run would get, and runs nothing.
        let dry = try AugmentdBinary.run(["retrain", "--config", config.path, "--dry-run"], currentDirectory: dir.url)
        #expect(dry.status == 0, "\(dry.stderr)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let preview = try decoder.decode(ManifestFile.self, from: Data(dry.stdout.utf8))
        #expect(preview.newOriginals == 1 && preview.files.first?.hash == DigestHex.of(Self.png(31)))
        #expect(try Self.retrainStatus(config, dir).recentRuns.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: pidFile))

        let result = try AugmentdBinary.run(["retrain", "--config", config.path, "--now"], currentDirectory: dir.url)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("timed out after 1 s"))
        let grandchild = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!processIsAlive(grandchild), "the grandchild survived the timeout")
        let status = try Self.retrainStatus(config, dir)
        #expect(status.recentRuns.first?.result == "timed_out")
        #expect(status.pendingOriginals == 1)
    }

    @Test func twoTriggersAtOnceMakeOneRun() throws {
        let dir = try TemporaryDirectory("retrain-twice")
        let slow = try Self.script(dir, "slow.sh", "sleep 2\nexec python3 \"\(Self.tinyTrainer)\" --model \"\(dir.file("model.json").path)\"")
        let config = try Self.retrainConfig(dir, command: [slow], minNew: 1, minInterval: "0")
        try Self.drop(dir, label: "cats", seeds: [41])
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        // The daemon's trigger starts a run; `retrain --now` at the same moment finds the lock taken.
        #expect(eventually { daemon.log.contains(": started ") }, "\(daemon.log)")
        let manual = try AugmentdBinary.run(["retrain", "--config", config.path, "--now"], currentDirectory: dir.url)
        #expect(manual.status == 75, "\(manual.stdout)\(manual.stderr)")
        #expect(manual.stderr.contains("a retrain run is in progress"))
        #expect(eventually { daemon.log.contains("succeeded in") })
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(try Self.retrainStatus(config, dir).recentRuns.count == 1)
    }

    @Test func killNineDuringARunThenRestartLosesNothingAndTrainsNothingTwice() throws {
        let dir = try TemporaryDirectory("retrain-kill")
        let marker = dir.file("trainer-started").path
        let journal = dir.file("runs.txt").path
        let slow = try Self.script(dir, "slow.sh", """
            echo start >> "\(journal)"
            touch "\(marker)"
            sleep 5
            python3 "\(Self.tinyTrainer)" --model "\(dir.file("model.json").path)"
            status=$?
            echo end >> "\(journal)"
            exit $status
            """)
        let config = try Self.retrainConfig(dir, command: [slow], minNew: 2, minInterval: "0")
        var daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        try Self.drop(dir, label: "cats", seeds: [51, 52])
        #expect(eventually { FileManager.default.fileExists(atPath: marker) }, "\(daemon.log)")
        // Not `stop`: Foundation's wait would also wait for the orphaned trainer to finish.
        daemon.kill9()
        // The orphaned trainer (asleep for 5 s) still holds the lock: the new daemon waits for it,
        // then records the old run as interrupted and gives the same files to a new run.
        daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("recorded as interrupted") && daemon.log.contains("succeeded in") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let status = try Self.retrainStatus(config, dir)
        #expect(status.pendingOriginals == 0)
        #expect(status.recentRuns.map(\.result) == ["succeeded", "interrupted"], "\(status.recentRuns.map(\.result))")
        let model = try Self.model(dir)
        #expect(model.trainedHashes.count == 2 && model.labels["cats"]?.originals == 2, "a file was trained twice")
        // The orphaned trainer kept the lock: the second run started only after it ended.
        #expect(try String(contentsOfFile: journal, encoding: .utf8) == "start\nend\nstart\nend\n")
    }

    @Test func daemonShutdownDuringARunEndsItAsInterruptedAndKeepsTheFilesPending() throws {
        let dir = try TemporaryDirectory("retrain-term")
        let marker = dir.file("trainer-started").path
        let environment = dir.file("trainer-env.txt").path
        let slow = try Self.script(dir, "slow.sh", """
            { env; echo "PWD=$(pwd)"; } > "\(environment)"
            touch "\(marker)"
            exec sleep 30
            """)
        let config = try Self.retrainConfig(dir, command: [slow], minNew: 1)
        // Started as systemd would start it: the trainer must not see the notify socket.
        let socket = try NotifySocket(path: dir.file("notify.sock").path)
        defer { socket.close() }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"),
                                       environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "10000000"])
        try Self.drop(dir, label: "cats", seeds: [61])
        #expect(eventually { FileManager.default.fileExists(atPath: marker) }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(daemon.log.contains("interrupted; its process group was ended"))
        let status = try Self.retrainStatus(config, dir)
        let run = try #require(status.recentRuns.first)
        #expect(run.result == "interrupted")
        #expect(status.pendingOriginals == 1)

        // What the trainer was given: the four variables, the daemon's working directory, no systemd ones.
        var variables = [String: String]()
        for line in try String(contentsOfFile: environment, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { variables[parts[0]] = parts[1] }
        }
        let root = dir.url.standardizedFileURL.path
        #expect(variables["AUGMENTD_DATASET"] == "\(root)/dataset")
        #expect(variables["AUGMENTD_MANIFEST"] == run.manifestPath && run.manifestPath.hasPrefix("\(root)/state/retrain/"))
        #expect(variables["AUGMENTD_RUN_ID"] == run.id)
        #expect(variables["AUGMENTD_NEW_ORIGINALS"] == "1")
        #expect(variables["PWD"] == root)
        #expect(variables["NOTIFY_SOCKET"] == nil && variables["WATCHDOG_USEC"] == nil)
    }
}

extension DaemonTests {
    @Test func onlyTheNewestHundredRunsKeepTheirLogsAndManifests() throws {
        let dir = try TemporaryDirectory("retrain-prune")
        let config = try Self.retrainConfig(dir, command: ["true"], minNew: 1)
        let runs = dir.file("state/retrain")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let old = (0..<105).map { String(format: "20200101T0000%02dZ-%04x", $0 % 60, $0) }
        for id in old {
            for suffix in [".log", ".manifest.json"] { try Data("old".utf8).write(to: runs.appendingPathComponent(id + suffix)) }
        }
        let result = try AugmentdBinary.run(["retrain", "--config", config.path, "--now"], currentDirectory: dir.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(": succeeded (0 new originals)"))
        let left = try FileManager.default.contentsOfDirectory(atPath: runs.path)
        let ids = Set(left.map { $0.components(separatedBy: ".")[0] })
        #expect(ids.count == 100 && left.count == 200, "\(ids.count) runs, \(left.count) files")
        #expect(!ids.contains(old.sorted()[0]) && ids.contains(old.sorted().last!), "the oldest go first")
        #expect(ids.contains { !$0.hasPrefix("2020") }, "the new run's files are kept")
    }
}

/// The wall clock set back: retraining is judged by the monotonic clock, and status says why it waits.
extension DaemonTests {
    /// Arrivals recorded an hour "in the future" (the clock was set back an hour after they came):
    /// status names the clock as the reason, and the daemon still trains after the quiet period
    /// instead of an hour later.
    @Test func aClockSetBackDoesNotStallRetraining() throws {
        let dir = try TemporaryDirectory("daemon-clock-back")
        let plain = try Self.config(dir, variants: 1)
        try Self.addFilesAndStop(dir, plain, seeds: [61, 62])
        let shift = Process()
        shift.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        shift.arguments = ["python3", "-c", """
            import sqlite3,sys; c=sqlite3.connect(sys.argv[1])
            c.execute('UPDATE originals SET created_at = created_at + 3600, updated_at = updated_at + 3600'); c.commit()
            """, dir.file("state/ledger.sqlite").path]
        try shift.run()
        shift.waitUntilExit()
        #expect(shift.terminationStatus == 0)

        let config = try Self.retrainConfig(dir, command: ["python3", Self.tinyTrainer, "--model", dir.file("model.json").path],
                                            minNew: 2)
        let status = try AugmentdBinary.run(["status", "--config", config.path], currentDirectory: dir.url)
        #expect(status.stdout.contains("retrain waits: arrivals have not paused for 300 ms (the clock is"), "\(status.stdout)")
        #expect(status.stdout.contains("it was set back"), "\(status.stdout)")

        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { (try? Self.retrainStatus(config, dir))?.recentRuns.first?.result == "succeeded" }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
    }
}

extension DaemonTests {
    /// The tiny trainer's `predict` before any run made a model: a clear message, not a traceback.
    @Test func tinyTrainerPredictWithoutAModelSaysSo() throws {
        let dir = try TemporaryDirectory("tiny-predict")
        try Data(Self.png(67)).write(to: dir.file("a.png"))
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                        ["python3", Self.tinyTrainer, "predict", dir.file("a.png").path,
                                         "--model", dir.file("none.json").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no trained model at \(dir.file("none.json").path)"), "\(result.stderr)")
        #expect(!result.stderr.contains("Traceback"), "\(result.stderr)")
    }
}
