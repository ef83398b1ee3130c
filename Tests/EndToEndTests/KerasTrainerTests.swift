import Codecs
import Foundation
import Testing
import TestSupport

/// The Python that has Keras, if this machine has one.
enum KerasPython {
    static let required = ProcessInfo.processInfo.environment["AUGMENTD_REQUIRE_KERAS"] == "1"
    static let path: String? = {
        let candidate = ProcessInfo.processInfo.environment["AUGMENTD_KERAS_PYTHON"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/augmentd-keras-venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()
}

/// The Keras example trainer (etc/augmentd/examples/train_keras.py) as the daemon's [retrain]
/// command, with real TensorFlow and Keras: a model made from nothing, a head grown for a new
/// label, and a run that does worse kept out.
///
/// Needs a Python with tensorflow-cpu and keras: `scripts/keras-venv.sh` makes one in
/// ~/.cache/augmentd-keras-venv (or set AUGMENTD_KERAS_PYTHON). Without one these tests are
/// skipped, except where AUGMENTD_REQUIRE_KERAS=1 (CI), where they fail.
@Suite(.serialized, .enabled(if: KerasPython.path != nil || KerasPython.required, "no Python with Keras: run scripts/keras-venv.sh"))
struct KerasTrainerTests {
    static let trainer = TestPaths.repository.appendingPathComponent("etc/augmentd/examples/train_keras.py").path
    static var kerasPython: String? { KerasPython.path }

    /// A 32×32 image whose colour says its label, with noise so that every file is distinct.
    static func image(label: String, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(state: seed)
        let tint: [Int] = switch label {
        case "cats": [200, 60, 60]
        case "dogs": [60, 200, 60]
        case "owls": [60, 60, 200]
        default: [200, 200, 60]
        }
        let pixels = (0..<(32 * 32 * 3)).map { i in UInt8(clamping: tint[i % 3] + Int(random.next(below: 50)) - 25) }
        return try! ImageEncoder.encode(Image(width: 32, height: 32, channels: 3, pixels: pixels), as: .png(level: 1))
    }

    static func drop(_ dir: TemporaryDirectory, label: String, seeds: ClosedRange<UInt64>) throws {
        try FileManager.default.createDirectory(at: dir.file("inbox/\(label)"), withIntermediateDirectories: true)
        for seed in seeds { try Data(image(label: label, seed: seed)).write(to: dir.file("inbox/\(label)/\(label)\(seed).png")) }
    }

    /// The saved model's number of outputs, as Keras loads it.
    static func outputs(of model: URL, python: String) throws -> Int? {
        let result = try Subprocess.run(URL(fileURLWithPath: python), ["-c", """
            import sys, keras
            print(keras.models.load_model(sys.argv[1]).output_shape[-1])
            """, model.path])
        return Int(result.stdout.split(separator: "\n").last ?? "")
    }

    /// The trainer's output of every run, for failure messages.
    static func runLogs(_ dir: TemporaryDirectory) -> String {
        let folder = dir.file("state/retrain").path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { "== \($0)\n" + ((try? String(contentsOfFile: "\(folder)/\($0)", encoding: .utf8)) ?? "") }
            .joined(separator: "\n")
    }

    static func classes(_ dir: TemporaryDirectory) throws -> [String] {
        struct ClassFile: Decodable { let classes: [String] }
        return try JSONDecoder().decode(ClassFile.self, from: Data(contentsOf: dir.file("model.keras.classes.json"))).classes
    }

    @Test func createsAModelGrowsItsHeadAndKeepsItWhenARunDoesWorse() throws {
        let python = try #require(Self.kerasPython, "no Python with Keras (scripts/keras-venv.sh, or AUGMENTD_KERAS_PYTHON)")
        let dir = try TemporaryDirectory("keras-trainer")
        let model = dir.file("model.keras")
        // Extra arguments come from a file, so a later run can be told to demand an improvement.
        let trainer = try DaemonTests.script(dir, "trainer.sh", """
            exec "\(python)" "\(Self.trainer)" --model "\(model.path)" --image-size 32 --epochs 1 $(cat "\(dir.file("extra-arguments").path)")
            """)
        // One epoch on a few images learns little: any result is accepted until step 3.
        try "--max-drop 1 --max-drop-when-growing 1".write(to: dir.file("extra-arguments"), atomically: true, encoding: .utf8)
        let config = try DaemonTests.retrainConfig(dir, command: [trainer], minNew: 6, minInterval: "0", timeout: "10m",
                                                   quietPeriod: "2s", valFraction: 0.34)
        for label in ["cats", "dogs", "owls"] { try Self.drop(dir, label: label, seeds: 1...6) }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))

        // 1. No model yet: one is built for the three labels and saved with its class file.
        #expect(eventually(within: 300) { daemon.log.contains("succeeded in") || daemon.log.contains("failed with") },
                "\(daemon.log)\n\(Self.runLogs(dir))")
        var status = try DaemonTests.retrainStatus(config, dir)
        try #require(status.recentRuns.count == 1 && status.recentRuns[0].result == "succeeded", "\(daemon.log)")
        #expect(status.recentRuns[0].originals == 18 && status.pendingOriginals == 0)
        #expect(try Self.classes(dir) == ["cats", "dogs", "owls"])
        #expect(try Self.outputs(of: model, python: python) == 3)
        let firstLog = try String(contentsOfFile: dir.file("state/retrain/\(status.recentRuns[0].id).log").path, encoding: .utf8)
        #expect(firstLog.contains("new model with 3 labels"), "\(firstLog)")

        // 2. A fourth label (sorting first): the head grows; the class file appends it by name.
        try Self.drop(dir, label: "ants", seeds: 11...16)
        #expect(eventually(within: 300) {
            daemon.log.components(separatedBy: "succeeded in").count == 3 || daemon.log.contains("failed with")
        }, "\(daemon.log)\n\(Self.runLogs(dir))")
        status = try DaemonTests.retrainStatus(config, dir)
        try #require(status.recentRuns.count == 2 && status.recentRuns[0].result == "succeeded", "\(daemon.log)")
        #expect(status.pendingOriginals == 0)
        #expect(try Self.classes(dir) == ["cats", "dogs", "owls", "ants"])
        #expect(try Self.outputs(of: model, python: python) == 4)
        let secondLog = try String(contentsOfFile: dir.file("state/retrain/\(status.recentRuns[0].id).log").path, encoding: .utf8)
        #expect(secondLog.contains("labels added: ants (4 outputs)"), "\(secondLog)")

        // 3. A run judged worse than the model it would replace (here: an improvement of more
        // than 100% demanded) keeps the old model and class file; its files stay pending.
        let modelBefore = try Data(contentsOf: model), classesBefore = try Data(contentsOf: dir.file("model.keras.classes.json"))
        try "--max-drop -1.01 --max-drop-when-growing -1.01".write(to: dir.file("extra-arguments"), atomically: true, encoding: .utf8)
        try Self.drop(dir, label: "cats", seeds: 21...26)
        #expect(eventually(within: 300) { daemon.log.contains("failed with exit status 1") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        status = try DaemonTests.retrainStatus(config, dir)
        #expect(status.pendingOriginals == 6)
        // (The daemon tries again at once, min_interval being 0; SIGTERM may interrupt a retry.)
        #expect(status.recentRuns.filter { $0.result == "succeeded" }.count == 2, "\(status.recentRuns)")
        let failed = try #require(status.recentRuns.first { $0.result == "failed" }, "\(status.recentRuns)")
        #expect(try Data(contentsOf: model) == modelBefore)
        #expect(try Data(contentsOf: dir.file("model.keras.classes.json")) == classesBefore)
        let failedLog = try String(contentsOfFile: dir.file("state/retrain/\(failed.id).log").path, encoding: .utf8)
        #expect(failedLog.contains("the old model is kept"), "\(failedLog)")
    }

    /// What a user can get wrong is named, not a traceback: a model file of another kind, and a
    /// Python without Keras.
    @Test func mistakesAreNamed() throws {
        let python = try #require(Self.kerasPython, "no Python with Keras")
        let dir = try TemporaryDirectory("keras-mistakes")
        try "not a model".write(to: dir.file("model.keras"), atomically: true, encoding: .utf8)
        try #"{"run_id": "r1", "dataset_root": "\#(dir.url.path)", "files": [], "label_totals": {}}"#
            .write(to: dir.file("manifest.json"), atomically: true, encoding: .utf8)
        let environment = ["AUGMENTD_MANIFEST": dir.file("manifest.json").path]
        let wrongModel = try Subprocess.run(URL(fileURLWithPath: python), [Self.trainer, "--model", dir.file("model.keras").path],
                                            environment: environment)
        #expect(wrongModel.status == 2)
        #expect(wrongModel.stderr.contains("\(dir.file("model.keras").path) is not a Keras model"), "\(wrongModel.stderr)")
        #expect(!wrongModel.stderr.contains("Traceback"), "\(wrongModel.stderr)")

        let noKeras = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         ["python3", "-I", "-S", Self.trainer, "--model", dir.file("model.keras").path],
                                         environment: environment)
        #expect(noKeras.status == 2)
        #expect(noKeras.stderr.contains("install TensorFlow and Keras 3"), "\(noKeras.stderr)")
        #expect(!noKeras.stderr.contains("Traceback"), "\(noKeras.stderr)")
    }
}
