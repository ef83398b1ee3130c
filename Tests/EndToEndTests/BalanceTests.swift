import Codecs
import Foundation
import Testing
import TestSupport

/// `augmentd balance` on a dataset the real daemon grew: labels of 50, 10 and 3 originals
/// (2 variants each) topped up to the largest label's train count, deterministically, and
/// ending with the same tree after a kill -9 in the middle.
@Suite(.serialized)
struct BalanceTests {
    static let sizes = ["big": 50, "mid": 10, "small": 3]

    /// A dataset grown by the daemon from the same 63 files, with `[balance]` in its config.
    static func grownDataset(_ name: String, workers: Int = 2) throws -> (TemporaryDirectory, URL) {
        let dir = try TemporaryDirectory(name)
        let config = try DaemonTests.config(dir, extra: """
            [balance]
            target = "largest"
            max_variants_per_original = 64
            """)
        var seed: UInt64 = 1000
        for (label, count) in sizes.sorted(by: { $0.key < $1.key }) {
            try FileManager.default.createDirectory(at: dir.file("inbox/\(label)"), withIntermediateDirectories: true)
            for _ in 0..<count {
                seed += 1
                try Data(DaemonTests.png(seed)).write(to: dir.file("inbox/\(label)/f\(seed).png"))
            }
        }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { DaemonTests.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        return (dir, config)
    }

    static func trainCounts(_ dir: TemporaryDirectory) -> [String: Int] {
        var counts = [String: Int]()
        for path in treeContents(dir.file("dataset/train")).keys {
            counts[String(path.split(separator: "/")[0]), default: 0] += 1
        }
        return counts
    }

    static func balance(_ dir: TemporaryDirectory, _ config: URL, _ extra: [String] = [],
                        environment: [String: String] = [:]) throws -> Subprocess.Output {
        try Subprocess.run(AugmentdBinary.url, ["balance", "--config", config.path] + extra, currentDirectory: dir.url,
                           environment: environment)
    }

    @Test func topsUpEveryLabelToTheLargestDeterministically() throws {
        let (dir, config) = try Self.grownDataset("balance")
        #expect(Self.trainCounts(dir) == ["big": 150, "mid": 30, "small": 9])

        let dry = try Self.balance(dir, config, ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would add 261 variants"), "\(dry.stdout)")
        #expect(Self.trainCounts(dir) == ["big": 150, "mid": 30, "small": 9], "a dry run wrote files")

        let run = try Self.balance(dir, config, ["--workers", "2"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(Self.trainCounts(dir) == ["big": 150, "mid": 150, "small": 150])
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("mid 30 150 150") && lines.contains("small 9 150 150") && lines.contains("big 150 150 150"), "\(run.stdout)")
        // Extra variants continue the numbering, spread evenly: mid's 10 originals 12 more each (aug3…aug14).
        let mid = treeContents(dir.file("dataset/train/mid")).keys
        #expect(mid.filter { $0.hasSuffix("-aug14.png") }.count == 10 && !mid.contains { $0.hasSuffix("-aug15.png") })
        // Every file decodes, and the ledger knows every variant (status counts them).
        for (path, bytes) in treeContents(dir.file("dataset/train/small")) {
            #expect((try? ImageDecoder().decode(Array(bytes))) != nil, "\(path)")
        }
        // status shows each label's train count and the target, from the ledger.
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        struct Report: Decodable { struct Row: Decodable { let label: String; let train: Int; let target: Int }; let balance: [Row] }
        let report = try JSONDecoder().decode(Report.self, from: Data(status.stdout.utf8))
        #expect(report.balance.map { "\($0.label) \($0.train) \($0.target)" } == ["big 150 150", "mid 150 150", "small 150 150"])
        let again = try Self.balance(dir, config)
        #expect(again.status == 0 && again.stdout.contains("added 0 variants"), "\(again.stdout)")

        // The same files, another daemon, one worker: the same bytes.
        let (other, otherConfig) = try Self.grownDataset("balance-other")
        #expect(try Self.balance(other, otherConfig, ["--workers", "1"]).status == 0)
        #expect(treeContents(other.file("dataset")) == treeContents(dir.file("dataset")))
    }

    @Test func aKillInTheMiddleEndsWithTheSameTree() throws {
        let (reference, referenceConfig) = try Self.grownDataset("balance-reference")
        #expect(try Self.balance(reference, referenceConfig).status == 0)
        // Killed after a variant file is written but before its original's variants are recorded,
        // and, in a second run, after a few originals are recorded.
        for crash in ["balance-variant-written@40", "balance-original-recorded@3"] {
            let (dir, config) = try Self.grownDataset("balance-crash")
            let killed = try Self.balance(dir, config, environment: ["AUGMENTD_CRASH_AT": crash])
            #expect(killed.status != 0, "\(crash): the crash point was not reached")
            #expect(Self.trainCounts(dir) != ["big": 150, "mid": 150, "small": 150], "\(crash): nothing was left to do")
            let resumed = try Self.balance(dir, config)
            #expect(resumed.status == 0, "\(crash): \(resumed.stdout)\(resumed.stderr)")
            #expect(treeContents(dir.file("dataset")) == treeContents(reference.file("dataset")), "\(crash)")
        }
    }

    /// The daemon balances by itself once arrivals are quiet, and again when the largest label
    /// grows; its tree is the one `augmentd balance` writes from the same ledger.
    @Test func theDaemonBalancesWhenArrivalsAreQuiet() throws {
        let dir = try TemporaryDirectory("balance-daemon")
        let config = try DaemonTests.config(dir, extra: """
            [balance]
            target = "largest"
            max_variants_per_original = 64
            quiet_period = "1s"
            """)
        func drop(_ label: String, _ seeds: ClosedRange<UInt64>) throws {
            try FileManager.default.createDirectory(at: dir.file("inbox/\(label)"), withIntermediateDirectories: true)
            for seed in seeds { try Data(DaemonTests.png(seed)).write(to: dir.file("inbox/\(label)/f\(seed).png")) }
        }
        try drop("big", 2001...2006)
        try drop("mid", 2011...2012)
        try drop("small", 2021...2021)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { Self.trainCounts(dir) == ["big": 18, "mid": 18, "small": 18] }, "\(Self.trainCounts(dir)) \(daemon.log)")
        #expect(daemon.log.contains("balance: adding 27 variants (mid 6→18, small 3→18)"), "\(daemon.log)")
        try drop("big", 2007...2008)
        #expect(eventually { Self.trainCounts(dir) == ["big": 24, "mid": 24, "small": 24] }, "\(Self.trainCounts(dir)) \(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        let again = try Self.balance(dir, config)
        #expect(again.stdout.contains("added 0 variants"), "\(again.stdout)")
    }

    /// Variants balancing adds to originals already trained on are new to the trainer: the next
    /// manifest lists them (and only them), and a successful run marks them trained.
    @Test func theNextRetrainManifestListsTheNewVariants() throws {
        let dir = try TemporaryDirectory("balance-manifest")
        let config = try DaemonTests.config(dir, extra: """
            [retrain]
            command = ["python3", "\(DaemonTests.tinyTrainer)", "--model", "\(dir.file("model.json").path)"]
            min_new_originals = 1
            quiet_period = "0"
            min_interval = "0"
            [balance]
            target = 12
            """)
        for (label, seeds) in [("cats", UInt64(3001)...3004), ("dogs", UInt64(3011)...3012)] {
            try FileManager.default.createDirectory(at: dir.file("inbox/\(label)"), withIntermediateDirectories: true)
            for seed in seeds { try Data(DaemonTests.png(seed)).write(to: dir.file("inbox/\(label)/f\(seed).png")) }
        }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { DaemonTests.waiting(dir.file("inbox")).isEmpty })
        #expect(daemon.stop(SIGTERM) == 0)
        let first = try AugmentdBinary.run(["retrain", "--config", config.path, "--now"], currentDirectory: dir.url)
        #expect(first.status == 0, "\(first.stderr)")

        let balanced = try Self.balance(dir, config)
        #expect(balanced.stdout.contains("added 6 variants"), "\(balanced.stdout)")   // dogs 6 → 12
        let dry = try AugmentdBinary.run(["retrain", "--config", config.path, "--dry-run"], currentDirectory: dir.url)
        struct Listed: Decodable { struct File: Decodable { let kind: String; let label: String; let variant: Int? }
                                   let files: [File]; let new_originals: Int; let new_variants: Int }
        let listed = try JSONDecoder().decode(Listed.self, from: Data(dry.stdout.utf8))
        #expect(listed.new_originals == 0 && listed.new_variants == 6, "\(dry.stdout)")
        #expect(listed.files.allSatisfy { $0.kind == "variant" && $0.label == "dogs" && ($0.variant ?? 0) > 2 }, "\(dry.stdout)")

        let second = try AugmentdBinary.run(["retrain", "--config", config.path, "--now"], currentDirectory: dir.url)
        #expect(second.status == 0, "\(second.stderr)")
        let after = try AugmentdBinary.run(["retrain", "--config", config.path, "--dry-run"], currentDirectory: dir.url)
        let none = try JSONDecoder().decode(Listed.self, from: Data(after.stdout.utf8))
        #expect(none.files.isEmpty, "\(after.stdout)")
    }
}
