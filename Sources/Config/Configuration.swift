import Augment
import Foundation
import TOMLKit

/// What to do with an original once its variants are written.
public enum OnSuccess: String, Sendable, CaseIterable, Codable {
    case move, keep, delete
}

/// `[daemon]`.
public struct DaemonSettings: Sendable, Equatable {
    public var datasetRoot = "dataset"
    public var stateDir = "state"
    /// 0 = one per core.
    public var workers = 0
    public var maxPixels = 64_000_000
    /// Seconds; 0 = off.
    public var rescanInterval = 300.0
    public var metricsFile = ""
    /// This daemon's name among those sharing a PostgreSQL ledger; "" = the host name.
    public var nodeName = ""

    public init() {}

    /// `node_name`, or the host name when it is "".
    public var effectiveNodeName: String {
        if !nodeName.isEmpty { return nodeName }
        return ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "augmentd"
    }
}

/// `[ledger]`: where the ledger lives.
public struct LedgerSettings: Sendable, Equatable {
    /// "" = SQLite in `state_dir` (one host); else a libpq URI of a PostgreSQL database (several hosts).
    public var url = ""
    /// Seconds without a heartbeat after which a node's claims pass to another node.
    public var lease = 30.0

    public init() {}

    public var isPostgreSQL: Bool { !url.isEmpty }
}

/// One `[[watch]]` entry.
public struct WatchSettings: Sendable, Equatable {
    public var inbox: String
    public var profile: String
    /// "" = the first subfolder below the inbox names the class.
    public var label = ""
    public var valFraction = 0.1
    public var onSuccess = OnSuccess.move
}

/// `[retrain]`.
public struct RetrainSettings: Sendable, Equatable {
    public var command: [String]
    public var minNewOriginals = 50
    public var minNewPerLabel = 0
    public var quietPeriod = 30.0
    public var minInterval = 600.0
    public var timeout = 7200.0
    /// After SIGTERM to the run's process group (timeout or shutdown), SIGKILL follows this much later.
    public var stopGrace = 10.0

    public init(command: [String]) { self.command = command }
}

/// `[balance]`: extra variants that top up small labels' train sets.
public struct BalanceSettings: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// Every label up to the largest label's train count.
        case largest
        /// Every label up to this many train images.
        case count(Int)
    }

    public var target = Target.largest
    /// Variants of one original, the profile's included, never more than this.
    public var maxVariantsPerOriginal = 32
    /// The labels topped up; empty: all.
    public var labels: [String] = []
    /// How long arrivals must have stopped before the daemon balances; nil: the retrain
    /// `quiet_period`, or 30 s.
    public var quietPeriod: Double? = nil

    public init() {}
}

/// The whole configuration file, validated.
public struct Configuration: Sendable, Equatable {
    /// A configured path made absolute and normalised, the one form the daemon, the ledger and
    /// `status` use: relative paths resolve against the working directory.
    public static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// An inbox as the daemon watches it: absolute, with symlinks resolved once (a symlinked
    /// inbox is common on servers; inotify would not follow it, and symlinks *inside* an inbox
    /// stay refused).
    public static func inboxPath(_ path: String) -> String {
        URL(fileURLWithPath: absolutePath(path)).resolvingSymlinksInPath().path
    }

    public var file: String
    public var daemon = DaemonSettings()
    public var profiles: [String: Profile] = [:]
    public var watches: [WatchSettings] = []
    public var retrain: RetrainSettings? = nil
    public var balance: BalanceSettings? = nil
    public var ledger = LedgerSettings()

    /// Reads and validates a configuration file. With `checkPaths`, inboxes must exist and not overlap.
    public static func load(_ path: String, checkPaths: Bool = true) throws(ConfigError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", "cannot read the file (\((error as NSError).localizedDescription))")
        }
        return try parse(text, file: path, checkPaths: checkPaths)
    }

    public static func parse(_ text: String, file: String, checkPaths: Bool = true) throws(ConfigError) -> Configuration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: "\(file):\(error.source.begin.line):\(error.source.begin.column)", key: "",
                              "TOML syntax error: \(error.description)")
        } catch {
            throw ConfigError(file: file, key: "", "TOML syntax error: \(error)")
        }
        var config = Configuration(file: file)
        var top = TOMLReader(root, file: file, path: "")
        // Each section is read on its own, so one pass reports every problem in the file.
        var problems = [ConfigError]()

        do {
            if let daemon = try table(&top, "daemon") {
                var r = TOMLReader(daemon, file: file, path: "daemon")
                config.daemon.datasetRoot = try r.string("dataset_root", default: "dataset")
                config.daemon.stateDir = try r.string("state_dir", default: "state")
                config.daemon.workers = try r.integer("workers", default: 0, range: 0...256)
                config.daemon.maxPixels = try r.integer("max_pixels", default: 64_000_000, range: 1...1_000_000_000)
                config.daemon.rescanInterval = try r.duration("rescan_interval", default: 300)
                config.daemon.metricsFile = try r.string("metrics_file", default: "")
                config.daemon.nodeName = try r.string("node_name", default: "")
                if let problem = Self.nodeNameProblem(config.daemon.nodeName) { problems.append(r.error("node_name", problem)) }
                if config.daemon.datasetRoot.isEmpty { problems.append(r.error("dataset_root", "must not be empty")) }
                if config.daemon.stateDir.isEmpty { problems.append(r.error("state_dir", "must not be empty")) }
                try r.finish()
            }
        } catch {
            problems += error.all
        }

        do {
            if let profiles = try table(&top, "profiles") {
                for name in profiles.keys.sorted() {
                    do throws(ConfigError) {
                        guard let t = profiles[name]?.table else {
                            throw ConfigError(file: file, key: "profiles.\(name)", "must be a table ([profiles.\(name)])")
                        }
                        config.profiles[name] = try ProfileParser.parse(t, name: name, file: file)
                    } catch {
                        problems += error.all
                    }
                }
            }
        } catch {
            problems += error.all
        }

        if let watchValue = top.raw("watch") {
            if let entries = watchValue.array {
                for (index, entry) in entries.enumerated() {
                    do throws(ConfigError) {
                        guard let t = entry.table else {
                            throw ConfigError(file: file, key: "watch[\(index)]", "must be a table ([[watch]])")
                        }
                        config.watches.append(try parseWatch(t, index: index, file: file, profiles: config.profiles))
                    } catch {
                        problems += error.all
                    }
                }
            } else {
                problems.append(ConfigError(file: file, key: "watch", "must be an array of tables ([[watch]])"))
            }
        }

        do throws(ConfigError) {
            if let retrain = try table(&top, "retrain") {
                var r = TOMLReader(retrain, file: file, path: "retrain")
                guard let command = try r.strings("command"), !command.isEmpty, !command[0].isEmpty else {
                    throw r.error("command", "must be a non-empty array of strings (argv, no shell), e.g. [\"python3\", \"train.py\"]")
                }
                var settings = RetrainSettings(command: command)
                settings.minNewOriginals = try r.integer("min_new_originals", default: 50, range: 1...100_000_000)
                settings.minNewPerLabel = try r.integer("min_new_per_label", default: 0, range: 0...100_000_000)
                settings.quietPeriod = try r.duration("quiet_period", default: 30)
                settings.minInterval = try r.duration("min_interval", default: 600)
                settings.timeout = try r.duration("timeout", default: 7200)
                if settings.timeout <= 0 { problems.append(r.error("timeout", "must be longer than 0")) }
                settings.stopGrace = try r.duration("stop_grace", default: 10)
                try r.finish()
                config.retrain = settings
            }
        } catch {
            problems += error.all
        }
        do throws(ConfigError) {
            if let balance = try table(&top, "balance") {
                var r = TOMLReader(balance, file: file, path: "balance")
                config.balance = try parseBalance(&r)
                try r.finish()
            }
        } catch {
            problems += error.all
        }
        do throws(ConfigError) {
            if let ledger = try table(&top, "ledger") {
                var r = TOMLReader(ledger, file: file, path: "ledger")
                config.ledger.url = try r.string("url", default: "")
                config.ledger.lease = try r.duration("lease", default: 30)
                if let problem = Self.ledgerURLProblem(config.ledger.url) { problems.append(r.error("url", problem)) }
                if !(5...3600).contains(config.ledger.lease) {
                    problems.append(r.error("lease", "must be between \"5s\" and \"1h\" (a node silent this long loses its claims)"))
                }
                try r.finish()
            }
        } catch {
            problems += error.all
        }
        do {
            try top.finish()
        } catch {
            problems += error.all
        }
        if let combined = ConfigError.combining(problems) { throw combined }
        if checkPaths { try config.checkInboxes() }
        try config.checkOutputsStayOutOfInboxes()
        return config
    }

    private static func parseBalance(_ r: inout TOMLReader) throws(ConfigError) -> BalanceSettings {
        var settings = BalanceSettings()
        if let target = r.raw("target") {
            if let text = target.string, text == "largest" {
                settings.target = .largest
            } else if let n = target.int, n >= 1, n <= 100_000_000 {
                settings.target = .count(n)
            } else {
                throw r.error("target", "must be \"largest\" or a number of train images per label from 1 to 100000000")
            }
        }
        settings.maxVariantsPerOriginal = try r.integer("max_variants_per_original", default: 32, range: 1...10_000)
        settings.labels = try r.strings("labels") ?? []
        if r.table["quiet_period"] != nil { settings.quietPeriod = try r.duration("quiet_period", default: 30) }
        if let empty = settings.labels.first(where: { $0.isEmpty || $0.contains("/") }) {
            throw r.error("labels", "must name label folders, got \"\(empty)\"")
        }
        return settings
    }

    private static func table(_ reader: inout TOMLReader, _ key: String) throws(ConfigError) -> TOMLTable? {
        guard let value = reader.raw(key) else { return nil }
        guard let table = value.table else { throw reader.error(key, "must be a table ([\(key)])") }
        return table
    }

    private static func parseWatch(_ t: TOMLTable, index: Int, file: String,
                                   profiles: [String: Profile]) throws(ConfigError) -> WatchSettings {
        var r = TOMLReader(t, file: file, path: "watch[\(index)]")
        let inbox = try r.string("inbox", default: "")
        if inbox.isEmpty { throw r.error("inbox", "is required: the folder to watch") }
        let profile = try r.string("profile", default: "")
        guard profiles[profile] != nil else {
            let known = profiles.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw r.error("profile", "names no profile: \"\(profile)\" (defined: \(known.isEmpty ? "none" : known))")
        }
        var w = WatchSettings(inbox: inbox, profile: profile)
        w.label = try r.string("label", default: "")
        if !w.label.isEmpty, let problem = LabelRules.problem(with: w.label) { throw r.error("label", problem) }
        w.valFraction = try r.number("val_fraction", default: 0.1, range: 0...1)
        w.onSuccess = try r.choice("on_success", default: OnSuccess.move)
        try r.finish()
        return w
    }

    /// What augmentd writes must never be taken as input, and inputs must never be seen by loaders:
    /// `dataset_root`, `state_dir` and `metrics_file` must not lie inside an inbox, and no inbox
    /// inside `dataset_root` (a daemon taking its own output would augment forever, or move its
    /// ledger to `.failed`). Paths are compared as written, and with symlinks resolved where they exist.
    func checkOutputsStayOutOfInboxes() throws(ConfigError) {
        func forms(_ path: String) -> [String] {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            return Array(Set([url.path, url.resolvingSymlinksInPath().path]))
        }
        func inside(_ path: String, _ folder: String) -> Bool {
            forms(path).contains { p in forms(folder).contains { f in p == f || p.hasPrefix(f == "/" ? "/" : f + "/") } }
        }
        for (index, watch) in watches.enumerated() {
            let key = "watch[\(index)].inbox"
            if inside(daemon.datasetRoot, watch.inbox) {
                throw ConfigError(file: file, key: key, "contains dataset_root (\(daemon.datasetRoot)): the daemon would take its own output")
            }
            if inside(watch.inbox, daemon.datasetRoot) {
                throw ConfigError(file: file, key: key, "lies inside dataset_root (\(daemon.datasetRoot)): loaders would read the inbox")
            }
            if inside(daemon.stateDir, watch.inbox) {
                throw ConfigError(file: file, key: key, "contains state_dir (\(daemon.stateDir)): the ledger would be taken as an image")
            }
            if !daemon.metricsFile.isEmpty && inside(daemon.metricsFile, watch.inbox) {
                throw ConfigError(file: file, key: key, "contains metrics_file (\(daemon.metricsFile))")
            }
        }
    }

    /// Inboxes must exist as folders and must not contain one another (a file would belong to two).
    func checkInboxes() throws(ConfigError) {
        var resolved: [(Int, String)] = []
        for (index, watch) in watches.enumerated() {
            let path = URL(fileURLWithPath: watch.inbox).standardizedFileURL.resolvingSymlinksInPath().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ConfigError(file: file, key: "watch[\(index)].inbox", "folder does not exist: \(watch.inbox)")
            }
            for (other, otherPath) in resolved {
                if path == otherPath || path.hasPrefix(otherPath + "/") || otherPath.hasPrefix(path + "/") {
                    throw ConfigError(file: file, key: "watch[\(index)].inbox",
                                      "overlaps watch[\(other)].inbox (\(watches[other].inbox)): inboxes must not contain each other")
                }
            }
            resolved.append((index, path))
        }
    }
}

/// Labels become folder names in the dataset.
public enum LabelRules {
    /// Why a label cannot be a class folder, or nil when it can.
    public static func problem(with label: String) -> String? {
        if label.isEmpty { return "a label must not be empty" }
        if label == "." || label == ".." { return "a label cannot be \"\(label)\"" }
        if label.hasPrefix(".") { return "a label cannot start with a dot (loaders skip hidden folders)" }
        if label.contains("/") { return "a label cannot contain \"/\"" }
        if label.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a label cannot contain control characters"
        }
        if label.utf8.count > 255 { return "a label must be at most 255 bytes" }
        return nil
    }
}

extension Configuration {
    /// Why `node_name` cannot name a node, or nil.
    static func nodeNameProblem(_ name: String) -> String? {
        if name.isEmpty { return nil }
        if name.utf8.count > 63 { return "must be at most 63 bytes" }
        if name.contains(where: { !($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            return "may hold letters, digits, \"-\", \"_\" and \".\" only (it names the node in logs, metrics and status)"
        }
        return nil
    }

    /// Why `[ledger] url` cannot be used, or nil. A password in it is refused: it would sit in a
    /// world-readable file and in `ps`; libpq reads it from `~/.pgpass` or `PGPASSFILE`.
    public static func ledgerURLProblem(_ url: String) -> String? {
        if url.isEmpty { return nil }
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            return "must be \"\" (SQLite in state_dir) or a PostgreSQL URI such as \"postgresql://augmentd@db.example/augmentd\""
        }
        let afterScheme = url[url.index(url.firstIndex(of: "/")!, offsetBy: 2)...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            return "must not hold a password: put it in ~/.pgpass (or the file PGPASSFILE names), where libpq finds it"
        }
        if url.lowercased().contains("password=") {
            return "must not hold a password: put it in ~/.pgpass (or the file PGPASSFILE names), where libpq finds it"
        }
        return nil
    }
}
