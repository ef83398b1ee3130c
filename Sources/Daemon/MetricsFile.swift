import Foundation
import Ingest
import Ledger
import LinuxSystem

/// The Prometheus text file for node_exporter's textfile collector (`metrics_file`): what the
/// ledger holds (originals, variants, failures by reason class, duplicates, …) and what the
/// running daemon counts (queue depth, overflows, processing times), written atomically.
struct MetricsFile {
    struct Input {
        var summary: [LedgerSummary]
        var failureClasses: [FailureClass: Int]
        var counters: DaemonCounters.Snapshot
        var queue: (ready: Int, inFlight: Int, later: Int)
        var retrainRuns: [String: Int]
        var startTime: Double
        var now: Double
        /// This daemon's node name and its ledger ("sqlite" or "postgresql").
        var node = ""
        var ledgerKind = "sqlite"
        /// With a shared ledger: every node's state.
        var nodes: [LedgerNode] = []
    }

    static func render(_ input: Input) -> String {
        var text = PrometheusText()
        text.family("augmentd_originals_total", "counter", "Originals added to the dataset.")
        for s in input.summary { text.sample("augmentd_originals_total", ["inbox": s.inbox, "label": s.label], s.originals) }
        text.family("augmentd_variants_total", "counter", "Augmented variants written.")
        for s in input.summary { text.sample("augmentd_variants_total", ["inbox": s.inbox, "label": s.label], s.variants) }
        text.family("augmentd_unfinished_originals", "gauge", "Originals claimed and not yet done.")
        for s in input.summary { text.sample("augmentd_unfinished_originals", ["inbox": s.inbox, "label": s.label], s.pending) }
        for (kind, name, help) in [(EventKind.duplicate, "augmentd_duplicates_total", "Files whose bytes were already in the dataset."),
                                   (.labelConflict, "augmentd_label_conflicts_total", "Known bytes that arrived under another label."),
                                   (.refused, "augmentd_refused_total", "Symlinks, FIFOs, devices and folders left alone."),
                                   (.failed, "augmentd_failed_files_total", "Files moved to .failed.")] {
            text.family(name, "counter", help)
            for s in input.summary { text.sample(name, ["inbox": s.inbox, "label": s.label], s.events[kind] ?? 0) }
        }
        text.family("augmentd_failures_total", "counter", "Files moved to .failed, by reason class.")
        for (failureClass, count) in input.failureClasses.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            text.sample("augmentd_failures_total", ["reason": failureClass.rawValue], count)
        }
        text.family("augmentd_queue_depth", "gauge", "Paths waiting for a worker, being processed, or waiting to settle.")
        text.sample("augmentd_queue_depth", ["state": "ready"], input.queue.ready)
        text.sample("augmentd_queue_depth", ["state": "in_flight"], input.queue.inFlight)
        text.sample("augmentd_queue_depth", ["state": "settling"], input.queue.later)
        text.family("augmentd_inotify_overflows_total", "counter", "inotify queue overflows (each followed by a rescan).")
        text.sample("augmentd_inotify_overflows_total", [:], input.counters.overflows)
        text.family("augmentd_processing_seconds", "histogram", "Time to take one file, from read to done.")
        var cumulative = 0
        for (index, bound) in DaemonCounters.processingBuckets.enumerated() {
            cumulative += input.counters.processingCounts[index]
            text.sample("augmentd_processing_seconds_bucket", ["le": PrometheusText.number(bound)], cumulative)
        }
        cumulative += input.counters.processingCounts.last ?? 0
        text.sample("augmentd_processing_seconds_bucket", ["le": "+Inf"], cumulative)
        text.sample("augmentd_processing_seconds_sum", [:], input.counters.processingSum)
        text.sample("augmentd_processing_seconds_count", [:], cumulative)
        text.family("augmentd_retrain_runs_total", "counter", "Retraining runs, by result.")
        for (result, count) in input.retrainRuns.sorted(by: { $0.key < $1.key }) {
            text.sample("augmentd_retrain_runs_total", ["result": result], count)
        }
        text.family("augmentd_start_time_seconds", "gauge", "When this daemon process started (Unix time).")
        text.sample("augmentd_start_time_seconds", [:], input.startTime)
        // Counts from a shared ledger are every node's; this series names the node writing the file,
        // to join on (`* on(instance) group_left(node) augmentd_node_info`).
        text.family("augmentd_node_info", "gauge", "This daemon: its node name and its ledger.")
        text.sample("augmentd_node_info", ["node": input.node, "ledger": input.ledgerKind], 1)
        if input.ledgerKind == "postgresql" {
            text.family("augmentd_nodes", "gauge", "Daemons sharing the ledger, by state.")
            for state in ["running", "stopped", "lost"] {
                let count = input.nodes.filter { ($0.alive ? "running" : $0.stopped ? "stopped" : "lost") == state }.count
                text.sample("augmentd_nodes", ["state": state], count)
            }
            text.family("augmentd_node_in_flight", "gauge", "Originals each node holds claims on.")
            for node in input.nodes { text.sample("augmentd_node_in_flight", ["node": node.name], node.inFlight) }
        }
        text.family("augmentd_metrics_updated_seconds", "gauge", "When this file was written (Unix time).")
        text.sample("augmentd_metrics_updated_seconds", [:], input.now)
        return text.output
    }

    /// Writes the file atomically (a dot-temp beside it, renamed), so the collector never reads half of it.
    static func write(_ text: String, to path: String) throws(SystemError) {
        try DurableFile.makeFolders(DurableFile.split(path).folder)
        try DurableFile.write(Array(text.utf8), to: path, syncFolder: false)
    }
}

/// The Prometheus text exposition format, version 0.0.4.
struct PrometheusText {
    private(set) var output = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        output += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Int) {
        sample(name, labels, Double(value))
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        let labelText = labels.isEmpty ? "" :
            "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",") + "}"
        output += "\(name)\(labelText) \(Self.number(value))\n"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
