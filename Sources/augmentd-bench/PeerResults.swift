import Foundation

/// The fastest peer per cell, from the `results.json` that peers.py wrote in the same sitting.
struct PeerResults {
    struct Row: Decodable {
        let size: String
        let op: String
        let variant: String
        let lib: String
        let images_per_s: Double
    }
    struct File: Decodable { let results: [Row] }

    let rows: [Row]

    init(contentsOf url: URL) throws {
        rows = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).results
    }

    /// The fastest library for (size, op, variant), or nil when peers.py did not measure it.
    func fastest(size: String, op: String, variant: String) -> Row? {
        // The pipeline is compared with albumentations + OpenCV, the peer the goal names.
        if op == "pipeline" {
            return rows.first { $0.size == size && $0.op == op && $0.variant == "albumentations + OpenCV" }
        }
        // "reflect (centered)" is augmentd's own geometry for peers.py's "reflect" cell.
        let variant = variant.replacingOccurrences(of: " (centered)", with: "")
        return rows.filter { $0.size == size && $0.op == op && $0.variant == variant }.max { $0.images_per_s < $1.images_per_s }
    }
}
