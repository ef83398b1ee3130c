import Augment
import Config
import Foundation
import Testing

/// Profiles and the rest of the config file: Keras meanings, and refusals that name the file,
/// the key and what is allowed.
struct ProfileConfigTests {
    static func parse(_ text: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(text, file: "test.toml", checkPaths: false)
    }

    static func refusal(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func kerasMeaningsOfTheRanges() throws {
        let config = try Self.parse("""
            [profiles.a]
            variants = 3
            rotation_range = 20
            width_shift_range = 0.2
            height_shift_range = 4
            zoom_range = 0.15
            brightness_range = [0.8, 1.2]
            contrast_stretching = true
            histogram_equalization = 0.25
            adaptive_equalization = false
            fill_mode = "wrap"
            geometry = "keras"
            format = "png"
            """)
        let p = try #require(config.profiles["a"])
        #expect(p.variants == 3)
        #expect(p.rotationRange == 20)
        #expect(p.widthShiftRange == .uniform(0.2))
        #expect(p.heightShiftRange == .choice([0, 1, 2, 3]))   // an int n: np.random.choice(n)
        #expect(abs(p.zoomRange.low - 0.85) < 1e-12 && abs(p.zoomRange.high - 1.15) < 1e-12)
        #expect(p.brightnessRange == ZoomRange(low: 0.8, high: 1.2))
        #expect(p.contrastStretching == 0.5)
        #expect(p.histogramEqualization == 0.25)
        #expect(p.adaptiveEqualization == 0)
        #expect(p.adaptiveClipLimit == 0.03)
        #expect(p.fillMode == .wrap && p.geometry == .keras && p.format == .png)
    }

    @Test func defaultsWhenKeysAreAbsent() throws {
        let config = try Self.parse("[profiles.plain]\n")
        let p = try #require(config.profiles["plain"])
        #expect(p == Profile())
        #expect(p.geometry == .centered && p.variants == 8 && p.jpegQuality == 92)
        #expect(config.daemon == DaemonSettings())
    }

    @Test(arguments: [
        ("[profiles.a]\nrotation_degrees = 5", "test.toml: profiles.a.rotation_degrees: unknown key"),
        ("[profiles.a]\nrotation_range = \"20\"", "test.toml: profiles.a.rotation_range: must be a number from 0.0 to 360.0, got the string \"20\""),
        ("[profiles.a]\nrotation_range = 400", "profiles.a.rotation_range: must be a number from 0.0 to 360.0, got the integer 400"),
        ("[profiles.a]\nfill_mode = \"mirror\"", "profiles.a.fill_mode: must be one of \"nearest\", \"constant\", \"reflect\", \"wrap\""),
        ("[profiles.a]\nzoom_range = [1.2, 0.8]", "profiles.a.zoom_range: must be [low, high] or one number z"),
        ("[profiles.a]\ncontrast_stretching = 1.5", "profiles.a.contrast_stretching: must be a probability from 0 to 1"),
        ("[profiles.a]\njpeg_quality = 0", "profiles.a.jpeg_quality: must be an integer from 1 to 100"),
        ("[profiles.a]\nvariants = 2.5", "profiles.a.variants: must be an integer"),
        ("[profiles.a]\ngeometry = \"skewed\"", "profiles.a.geometry: must be one of \"centered\", \"keras\""),
        ("[profiles.a]\n[[watch]]\ninbox = \"in\"\nprofile = \"b\"", "watch[0].profile: names no profile: \"b\" (defined: \"a\")"),
        ("[daemon]\nrescan_interval = \"soon\"", "daemon.rescan_interval: must be a duration like"),
        ("[daemon]\nworkers = -1", "daemon.workers: must be an integer from 0 to 256"),
        ("[deamon]\nworkers = 1", "test.toml: deamon: unknown key (allowed here: daemon, profiles, watch, retrain, balance, ledger)"),
        ("[daemon]\nnode_name = \"a b\"", "daemon.node_name: may hold letters, digits"),
        ("[ledger]\nurl = \"mysql://db/augmentd\"", "ledger.url: must be \"\" (SQLite in state_dir) or a PostgreSQL URI"),
        ("[ledger]\nurl = \"postgresql://augmentd:secret@db/augmentd\"", "ledger.url: must not hold a password: put it in ~/.pgpass"),
        ("[ledger]\nurl = \"postgresql://db/augmentd?password=secret\"", "ledger.url: must not hold a password"),
        ("[ledger]\nlease = \"1s\"", "ledger.lease: must be between \"5s\" and \"1h\""),
        ("[ledger]\nleese = \"30s\"", "ledger.leese: unknown key"),
        ("[retrain]\ncommand = \"python3 train.py\"", "retrain.command: must be an array of strings"),
        ("[profiles.a]\nrotation_range = ", "test.toml:2:"),
        ("[profiles.a]\n[[watch]]\ninbox = \"in\"\nprofile = \"a\"\nlabel = \"../x\"", "watch[0].label: a label cannot start with a dot"),
    ])
    func refusedWithFileKeyAndAllowedValues(text: String, expected: String) {
        let message = Self.refusal(text)
        #expect(message.contains(expected), "\(message)")
    }

    @Test func aPostgreSQLLedgerAndANodeName() throws {
        let config = try Self.parse("""
            [daemon]
            node_name = "station-2"
            [ledger]
            url = "postgresql:///augmentd?host=/run/postgresql"
            lease = "45s"
            """)
        #expect(config.daemon.effectiveNodeName == "station-2")
        #expect(config.ledger.isPostgreSQL && config.ledger.url == "postgresql:///augmentd?host=/run/postgresql")
        #expect(config.ledger.lease == 45)
        let defaults = try Self.parse("")
        #expect(!defaults.ledger.isPostgreSQL && defaults.ledger.lease == 30 && !defaults.daemon.effectiveNodeName.isEmpty)
    }

    @Test func durationsAndRetrain() throws {
        let config = try Self.parse("""
            [daemon]
            rescan_interval = "0"
            [retrain]
            command = ["python3", "train.py"]
            min_new_originals = 10
            quiet_period = "1500ms"
            min_interval = "10m"
            timeout = "2h"
            """)
        #expect(config.daemon.rescanInterval == 0)
        #expect(config.retrain?.command == ["python3", "train.py"])
        #expect(config.retrain?.quietPeriod == 1.5)
        #expect(config.retrain?.minInterval == 600)
        #expect(config.retrain?.timeout == 7200)
    }

    @Test func inboxesMustExistAndNotOverlap() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("in/sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let profile = "[profiles.a]\n"
        func watch(_ inbox: String) -> String { "[[watch]]\ninbox = \"\(root.path)/\(inbox)\"\nprofile = \"a\"\n" }
        #expect(throws: Never.self) { try Configuration.parse(profile + watch("in"), file: "t.toml") }
        do {
            _ = try Configuration.parse(profile + watch("missing"), file: "t.toml")
            Issue.record("a missing inbox was accepted")
        } catch {
            #expect(error.key == "watch[0].inbox")
            #expect(error.message.contains("folder does not exist"))
        }
        do {
            _ = try Configuration.parse(profile + watch("in") + watch("in/sub"), file: "t.toml")
            Issue.record("overlapping inboxes were accepted")
        } catch {
            #expect(error.key == "watch[1].inbox")
            #expect(error.message.contains("overlaps watch[0].inbox"))
        }
    }

    @Test func outputsMustStayOutOfInboxes() throws {
        let profile = "[profiles.a]\n"
        func config(dataset: String = "data", state: String = "state", metrics: String = "", inbox: String = "in") -> String {
            "[daemon]\ndataset_root = \"\(dataset)\"\nstate_dir = \"\(state)\"\nmetrics_file = \"\(metrics)\"\n"
                + profile + "[[watch]]\ninbox = \"\(inbox)\"\nprofile = \"a\"\n"
        }
        #expect(throws: Never.self) { try Configuration.parse(config(), file: "t.toml", checkPaths: false) }
        #expect(throws: Never.self) { try Configuration.parse(config(dataset: "inbox-data", inbox: "inbox"), file: "t.toml", checkPaths: false) }
        for (text, message) in [
            (config(dataset: "in/dataset"), "contains dataset_root (in/dataset): the daemon would take its own output"),
            (config(dataset: ".", inbox: "in"), "lies inside dataset_root (.): loaders would read the inbox"),
            (config(state: "in/state"), "contains state_dir (in/state): the ledger would be taken as an image"),
            (config(metrics: "in/m.prom"), "contains metrics_file (in/m.prom)"),
        ] {
            do {
                _ = try Configuration.parse(text, file: "t.toml", checkPaths: false)
                Issue.record("accepted: \(message)")
            } catch {
                #expect(error.key == "watch[0].inbox")
                #expect(error.message == message)
            }
        }
    }

    @Test func theBundledExampleIsValid() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try Configuration.load(repository.appendingPathComponent("etc/augmentd/examples/demo.toml").path,
                                            checkPaths: false)
        #expect(config.profiles.keys.sorted() == ["photos", "recipe"])
        #expect(config.watches.first?.profile == "photos")
    }
}
