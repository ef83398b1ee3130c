import Foundation
import Testing
import TestSupport

/// `augmentd check-config`: valid files print the effective configuration (which is itself a
/// valid file); invalid ones are refused with the file, the key and what is allowed.
struct CheckConfigCommandTests {
    @Test func printsTheEffectiveConfigurationWithDefaults() throws {
        let dir = try TemporaryDirectory("check-config")
        try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
        let config = """
            [profiles.cifar]
            rotation_range = 20
            zoom_range = 0.2
            contrast_stretching = true

            [[watch]]
            inbox = "\(dir.file("inbox").path)"
            profile = "cifar"

            [ledger]
            lease = "45s"

            [balance]
            target = 40
            """
        try Data(config.utf8).write(to: dir.file("a.toml"))
        let result = try AugmentdBinary.run(["check-config", dir.file("a.toml").path])
        #expect(result.status == 0, "\(result.stderr)")
        for line in ["max_pixels = 64000000", "rescan_interval = \"5m\"", "variants = 8", "zoom_range = [0.8, 1.2]",
                     "contrast_stretching = 0.5", "geometry = \"centered\"", "val_fraction = 0.1", "on_success = \"move\"",
                     "node_name = \"\"", "url = \"\"", "lease = \"45s\"", "target = 40", "max_variants_per_original = 32"] {
            #expect(result.stdout.contains(line), "missing \(line)")
        }
        // The printed configuration is a valid configuration file with the same meaning.
        try Data(result.stdout.utf8).write(to: dir.file("effective.toml"))
        let again = try AugmentdBinary.run(["check-config", dir.file("effective.toml").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.split(separator: "\n").dropFirst() == result.stdout.split(separator: "\n").dropFirst())
    }

    @Test func refusesAMissingInboxByKey() throws {
        let dir = try TemporaryDirectory("check-config")
        try Data("[profiles.a]\n[[watch]]\ninbox = \"\(dir.file("nope").path)\"\nprofile = \"a\"\n".utf8)
            .write(to: dir.file("b.toml"))
        let result = try AugmentdBinary.run(["check-config", dir.file("b.toml").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("b.toml: watch[0].inbox: folder does not exist"))
    }

    @Test func refusesAnUnreadableFile() throws {
        let result = try AugmentdBinary.run(["check-config", "/nonexistent/augmentd.toml"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/augmentd.toml: cannot read the file"))
    }

    /// Every problem of the file in one run, each naming its key: a user fixes them all at once.
    @Test func reportsEveryErrorInTheFile() throws {
        let dir = try TemporaryDirectory("check-config")
        try FileManager.default.createDirectory(at: dir.file("inbox"), withIntermediateDirectories: true)
        let config = """
            [daemon]
            workers = -3
            rescan_interval = "soon"

            [profiles.a]
            rotation_range = "lots"
            colour = "red"

            [[watch]]
            inbox = "\(dir.file("inbox").path)"
            profile = "nope"

            [retrain]
            command = ["train"]
            quiet_period = 5
            """
        try Data(config.utf8).write(to: dir.file("c.toml"))
        let result = try AugmentdBinary.run(["check-config", dir.file("c.toml").path])
        #expect(result.status != 0)
        for key in ["daemon.workers", "daemon.rescan_interval", "profiles.a.rotation_range", "profiles.a.colour",
                    "watch[0].profile", "retrain.quiet_period"] {
            #expect(result.stderr.contains("c.toml: \(key): "), "\(key) not reported: \(result.stderr)")
        }
    }
}
