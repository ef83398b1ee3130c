import ArgumentParser
import Config
import Foundation
import Ingest
import Ledger
import PostgresLedger
import LinuxSystem
import Retrain
import Watch

/// `augmentd status --config FILE [--json]`: what the ledger and the inboxes say.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Counts per inbox and label (originals, variants, failures, duplicates, waiting files, last error) and retraining.")

    @OptionGroup var configFile: ConfigFileOption

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Row: Codable {
        var inbox: String
        var label: String
        var originals = 0
        var variants = 0
        var processing = 0
        var waitingInInbox = 0
        var failed = 0
        var duplicates = 0
        var labelConflicts = 0
        var refused = 0
        /// Files the dataset could not take yet (full, read-only, no permission): retried with backoff.
        var blocked = 0
        var blockedReason: String? = nil
        var lastError: String? = nil
    }

    struct Retraining: Codable {
        var configured: Bool
        var pendingOriginals = 0
        var pendingPerLabel: [String: Int] = [:]
        var recentRuns: [RetrainRunRecord] = []
        /// Why the policy starts no run now (nil when one is due, or retraining is off).
        var waitingReason: String? = nil
    }

    struct Report: Codable {
        var labels: [Row]
        var retrain: Retraining
        /// Set when the ledger was rebuilt from the dataset: history before it is lost.
        var ledgerRebuilt: LedgerRebuiltNote? = nil
        /// With `[balance]`: per label, train images (originals + variants) and the target.
        var balance: [BalanceRow]? = nil
        /// With a PostgreSQL ledger: every daemon sharing it.
        var nodes: [NodeRow]? = nil
    }

    struct NodeRow: Codable {
        var name: String
        var host: String
        var state: String
        var lastHeartbeat: String
        var inFlight: Int
    }

    struct BalanceRow: Codable {
        var label: String
        var train: Int
        var target: Int
    }

    struct LedgerRebuiltNote: Codable {
        var at: String
        var keptCopy: String?
    }

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config, checkPaths: false)
        let ledgerPath = "\(configuration.daemon.stateDir)/ledger.sqlite"
        var rows: [String: Row] = [:]
        var retraining = Retraining(configured: configuration.retrain != nil)
        func key(_ inbox: String, _ label: String) -> String { "\(inbox)\u{0}\(label)" }
        var openedLedger: (any DaemonLedger)?
        var nodes = [LedgerNode]()
        var rebuiltNote: LedgerRebuiltNote?
        var balance: [BalanceRow]?
        do {
            if configuration.ledger.isPostgreSQL || FileManager.default.fileExists(atPath: ledgerPath) {
                let ledger = try CLIErrors.openLedger(configuration, command: nil)
                openedLedger = ledger
                nodes = try ledger.nodes()
                let state = try ledger.retrainState()
                retraining.pendingOriginals = state.untrainedOriginals
                retraining.pendingPerLabel = state.untrainedPerLabel
                retraining.recentRuns = try ledger.recentRuns(limit: 5)
                if let settings = configuration.retrain {
                    // Judged with the wall clock here; the daemon itself measures ages monotonically.
                    let decision = RetrainPolicy(settings: settings).decide(state, runInFlight: false,
                                                                            now: Date().timeIntervalSince1970)
                    if case .wait(let reason, _) = decision { retraining.waitingReason = reason }
                }
                for s in try ledger.summary() {
                    var row = Row(inbox: s.inbox, label: s.label)
                    row.originals = s.originals
                    row.variants = s.variants
                    row.processing = s.pending
                    row.failed = s.events[.failed] ?? 0
                    row.duplicates = s.events[.duplicate] ?? 0
                    row.labelConflicts = s.events[.labelConflict] ?? 0
                    row.refused = s.events[.refused] ?? 0
                    row.blocked = s.blocked
                    row.blockedReason = s.blockedReason
                    row.lastError = s.lastError
                    rows[key(s.inbox, s.label)] = row
                }
                if let settings = configuration.balance {
                    balance = BalancePlan.make(try ledger.balanceCandidates(), settings: settings).labels
                        .map { BalanceRow(label: $0.name, train: $0.before, target: $0.target) }
                }
                if let rebuild = try ledger.lastRebuild() {
                    rebuiltNote = LedgerRebuiltNote(at: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: rebuild.at)),
                                                    keptCopy: rebuild.keptCopy)
                }
            }
        } catch {
            if let error = error as? LedgerError { throw CLIErrors.ledgerFailure(error, configuration) }
            throw error
        }
        // Files waiting in the inboxes, by label folder.
        for watch in configuration.watches {
            let inbox = Configuration.inboxPath(watch.inbox)
            for relative in Self.regularFiles(below: inbox) {
                // With `keep`, files already taken stay in the inbox: they are not waiting.
                if watch.onSuccess == .keep, let ledger = openedLedger, let status = try? FileMoves.status("\(inbox)/\(relative)"),
                   (try? ledger.isKept(path: "\(inbox)/\(relative)", size: status.size, modified: status.modified,
                                       changed: status.changed)) == true {
                    continue
                }
                let label = (watch.label.isEmpty ? String(relative.split(separator: "/").first ?? "") : watch.label)
                    .precomposedStringWithCanonicalMapping
                rows[key(inbox, label), default: Row(inbox: inbox, label: label)].waitingInInbox += 1
            }
        }
        let sorted = rows.values.sorted { ($0.inbox, $0.label) < ($1.inbox, $1.label) }
        let nodeRows = nodes.map { node in
            NodeRow(name: node.name, host: node.host, state: node.alive ? "running" : node.stopped ? "stopped" : "lost (lease ran out)",
                    lastHeartbeat: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: node.heartbeatAt)),
                    inFlight: node.inFlight)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let report = Report(labels: sorted, retrain: retraining, ledgerRebuilt: rebuiltNote, balance: balance,
                                nodes: configuration.ledger.isPostgreSQL ? nodeRows : nil)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        if let rebuiltNote {
            print("ledger rebuilt from the dataset at \(rebuiltNote.at): retrain history and failure records before it are lost")
        }
        var table = TextTable(header: ["inbox", "label", "originals", "variants", "waiting", "blocked", "failed",
                                       "duplicates", "conflicts", "refused", "last error"])
        for r in sorted {
            // A blocked file's reason says what to fix now; it comes before an older failure.
            let lastError = r.blockedReason.map { "blocked: \($0)" } ?? r.lastError ?? "-"
            table.add([r.inbox, r.label, "\(r.originals)", "\(r.variants)", "\(r.waitingInInbox + r.processing)",
                       "\(r.blocked)", "\(r.failed)", "\(r.duplicates)", "\(r.labelConflicts)", "\(r.refused)", lastError])
        }
        print(table.rendered, terminator: "")
        if configuration.ledger.isPostgreSQL {
            var rows = TextTable(header: ["node", "host", "state", "last heartbeat", "in flight"])
            for n in nodeRows { rows.add([n.name, n.host, n.state, n.lastHeartbeat, "\(n.inFlight)"]) }
            print("\nnodes sharing \(PostgresLedger.redacted(configuration.ledger.url)):\n" + rows.rendered, terminator: "")
        }
        if let balance {
            var rows = TextTable(header: ["label", "train", "target"])
            for row in balance { rows.add([row.label, "\(row.train)", "\(row.target)"]) }
            print("\nbalance (train images, originals and variants):\n" + rows.rendered, terminator: "")
        }
        guard retraining.configured || !retraining.recentRuns.isEmpty else { return }
        let perLabel = retraining.pendingPerLabel.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print("\nretrain: \(retraining.pendingOriginals) new original\(retraining.pendingOriginals == 1 ? "" : "s") not yet trained on"
              + (perLabel.isEmpty ? "" : " (\(perLabel.joined(separator: ", ")))"))
        if let reason = retraining.waitingReason { print("retrain waits: \(reason)") }
        let formatter = ISO8601DateFormatter()
        for r in retraining.recentRuns {
            let ended = r.endedAt.map { "\(Int($0 - r.startedAt)) s" } ?? "running"
            let code = r.exitCode.map { "exit \($0)" } ?? r.signal.map { "signal \($0)" } ?? "-"
            print([r.id, r.result.rawValue, formatter.string(from: Date(timeIntervalSince1970: r.startedAt)), ended, code,
                   "\(r.originals) originals", r.logPath].joined(separator: "\t"))
        }
    }

    /// Regular files below `root` as relative paths, ignored names and their folders left out;
    /// names that are not UTF-8 count too (shown repaired), waiting for the daemon to rename them.
    static func regularFiles(below root: String) -> [String] {
        FolderWalk.entries(below: root) { entry in
            guard let name = entry.name else { return .take }
            if IgnoreRules.ignores(name) { return .skip }
            return entry.kind == .directory ? .descend : entry.kind == .regular ? .take : .skip
        }.map(\.relative)
    }
}
