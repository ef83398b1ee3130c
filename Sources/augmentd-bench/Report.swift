import Foundation

/// The results table: augmentd's speed beside the fastest peer's, as a ratio.
struct Report {
    let results: [BenchResult]
    let peers: PeerResults?

    var markdown: String {
        var lines = ["| size | op | variant | augmentd img/s | ns/pixel | fastest peer | peer img/s | ratio |",
                     "|---|---|---|---:|---:|---|---:|---:|"]
        for r in results {
            let peer = peers?.fastest(size: r.size, op: r.op, variant: r.variant)
            let ratio = peer.map { String(format: "%.2fx", r.imagesPerSecond / $0.images_per_s) } ?? "-"
            lines.append("| \(r.size) | \(r.op) | \(r.variant) | \(format(r.imagesPerSecond)) | "
                + String(format: "%.2f", r.nsPerPixel) + " | \(peer?.lib ?? "-") | "
                + "\(peer.map { format($0.images_per_s) } ?? "-") | \(ratio) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func format(_ rate: Double) -> String {
        rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
    }
}
