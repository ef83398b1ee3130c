import ArgumentParser
import Foundation
import Codecs
import LinuxSystem

/// `augmentd-bench`: times augmentd's operations on the image files peers.py generated, one
/// thread, and states each as a ratio to the fastest Python peer measured in the same sitting.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augmentd-bench",
        abstract: "Benchmark augmentd's codecs and operations against peers.py's results.")

    @Option(help: "Folder of input images (peers.py --out DIR writes them to DIR/images).")
    var images: String

    @Option(help: "Folder for results.md and results.json.")
    var out: String

    @Option(help: "peers.py's results.json from the same sitting (default: IMAGES/../results.json).")
    var peers: String?

    @Option(help: "Comma-separated sizes to run.")
    var sizes: String = "32x32,512x512,1920x1080"

    @Option(help: "Only cells whose 'size op variant' matches this regular expression.")
    var only: String?

    @Option(name: .customLong("min-time"), help: "Seconds per cell over all repeats.")
    var minTime: Double = 1.0

    @Option(help: "Repeats per cell (median reported).")
    var repeats: Int = 5

    func run() throws {
        MemoryTuning.keepFreedBuffers()
        let folder = URL(fileURLWithPath: images)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let peersURL = URL(fileURLWithPath: peers ?? folder.deletingLastPathComponent().appendingPathComponent("results.json").path)
        let peerResults = try? PeerResults(contentsOf: peersURL)
        if peerResults == nil { print("no peer results at \(peersURL.path): ratios omitted") }
        let filter = try only.map { try Regex($0) }

        var cells = [BenchCell]()
        for size in sizes.split(separator: ",").map(String.init) {
            func files(_ suffix: String) throws -> [[UInt8]] {
                try names.filter { $0.hasSuffix("_\(size).\(suffix)") }.map {
                    try RegularFile.read(folder.appendingPathComponent($0).path)
                }
            }
            let jpegs = try files("jpg"), pngs = try files("png")
            guard !jpegs.isEmpty else { continue }
            cells += codecCells(size: size, jpegFiles: jpegs, pngFiles: pngs)
            let decoded = jpegs.map { try! ImageDecoder().decode($0).image }
            cells += opCells(size: size, images: decoded)
            cells.append(pipelineCell(size: size, jpegFiles: jpegs, pixels: decoded[0].pixelCount))
        }
        if let filter { cells = cells.filter { $0.name.contains(filter) } }
        print("augmentd-bench: \(cells.count) cells, one thread, median of \(repeats) repeats")
        let results = Harness(minTime: minTime, repeats: repeats).measure(cells) { print($0) }
        let report = Report(results: results, peers: peerResults)
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        try report.markdown.write(to: outURL.appendingPathComponent("results.md"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: outURL.appendingPathComponent("results.json"))
        print(report.markdown)
    }
}

Bench.main()
