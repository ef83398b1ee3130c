import Foundation
import Testing
import TestSupport

extension DaemonTests {
    @Test func theMetricsFileIsPrometheusTextAndAgreesWithTheLedger() throws {
        let dir = try TemporaryDirectory("daemon-metrics")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.file("inbox/dogs \"quoted\""), withIntermediateDirectories: true)
        let config = dir.file("augmentd.toml")
        try Self.serviceConfig(variants: 2, secondInbox: false, metrics: true).write(to: config, atomically: false, encoding: .utf8)
        for seed in 1...3 { try Data(Self.png(UInt64(seed))).write(to: dir.file("inbox/cats/c\(seed).png")) }
        try Data(Self.png(4)).write(to: dir.file("inbox/dogs \"quoted\"/d.png"))
        try Data(Self.png(1)).write(to: dir.file("inbox/cats/again.png"))            // a duplicate
        try Data("no image".utf8).write(to: dir.file("inbox/cats/notes.png"))       // unsupported format
        try Data(Self.png(5).prefix(100)).write(to: dir.file("inbox/cats/cut.png"))  // truncated, and old:
        try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: dir.file("inbox/cats/cut.png").path)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)   // the file is written once more at stop

        let text = try String(contentsOf: dir.file("metrics.prom"), encoding: .utf8)
        let samples = try PrometheusParser.parse(text)
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
        }
        func total(_ name: String) -> Double { samples.filter { $0.name == name }.reduce(0) { $0 + $1.value } }

        // The ledger's view, through `augmentd status --json`.
        let status = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        struct Row: Decodable { let label: String; let originals: Int; let variants: Int; let failed: Int; let duplicates: Int }
        struct Report: Decodable { let labels: [Row] }
        let rows = try JSONDecoder().decode(Report.self, from: Data(status.stdout.utf8)).labels
        #expect(total("augmentd_originals_total") == Double(rows.reduce(0) { $0 + $1.originals }))
        #expect(total("augmentd_variants_total") == Double(rows.reduce(0) { $0 + $1.variants }))
        #expect(total("augmentd_failures_total") == Double(rows.reduce(0) { $0 + $1.failed }))
        #expect(total("augmentd_duplicates_total") == Double(rows.reduce(0) { $0 + $1.duplicates }))
        #expect(total("augmentd_originals_total") == 4 && total("augmentd_variants_total") == 8)
        #expect(value("augmentd_originals_total", ["label": "dogs \"quoted\""]) == 1, "label values are escaped and read back")
        #expect(value("augmentd_failures_total", ["reason": "unsupported_format"]) == 1)
        #expect(value("augmentd_failures_total", ["reason": "truncated"]) == 1)
        #expect(value("augmentd_duplicates_total", ["label": "cats"]) == 1)
        #expect(value("augmentd_queue_depth", ["state": "in_flight"]) == 0)
        #expect(value("augmentd_inotify_overflows_total") == 0)
        #expect(value("augmentd_node_info", ["ledger": "sqlite"]) == 1)

        // The histogram: cumulative buckets ending in +Inf = count = every file that reached an end.
        let buckets = samples.filter { $0.name == "augmentd_processing_seconds_bucket" }
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
        #expect(buckets.last?.labels["le"] == "+Inf")
        #expect(buckets.last?.value == value("augmentd_processing_seconds_count"))
        #expect(value("augmentd_processing_seconds_count") == 7)   // 4 added, 1 duplicate, 2 failed
        let leftovers = try fm.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".metrics.prom") }
        #expect(leftovers.isEmpty, "temp files of the atomic write left: \(leftovers)")
    }
}
