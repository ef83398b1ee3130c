import Foundation

/// One measured operation on one image size, as peers.py defines a cell.
struct BenchCell {
    let size: String
    let op: String
    let variant: String
    /// Pixels of one input image (for ns/pixel).
    let pixels: Int
    let inputCount: Int
    /// Processes input number `index` once.
    let body: (Int) -> Void

    var name: String { "\(size) \(op) \(variant)" }
}

struct BenchResult: Codable {
    let size: String
    let op: String
    let variant: String
    let imagesPerSecond: Double
    let nsPerPixel: Double
    let medianSeconds: Double
    let spreadPercent: Double
    let callsPerRepeat: Int
    let repeats: Int
}

/// Times cells like peers.py: calibrate each cell to N calls per repeat so all repeats take at
/// least `minTime`, run the repeats round-robin across cells, report the median time per call.
struct Harness {
    var minTime: Double
    var repeats: Int

    func measure(_ cells: [BenchCell], log: (String) -> Void) -> [BenchResult] {
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var callsPerRepeat = [Int]()
        for cell in cells {
            var calls = 1
            while true {
                let elapsed = seconds(clock.measure { for i in 0..<calls { cell.body(i % cell.inputCount) } })
                if elapsed * Double(repeats) >= minTime || calls > 1 << 24 {
                    callsPerRepeat.append(calls)
                    break
                }
                let target = minTime / Double(repeats)
                calls = elapsed <= 0 ? calls * 10 : max(calls + 1, min(calls * 10, Int(Double(calls) * target / elapsed * 1.1) + 1))
            }
        }
        var perCall = Array(repeating: [Double](), count: cells.count)
        for _ in 0..<repeats {
            for (index, cell) in cells.enumerated() {
                let calls = callsPerRepeat[index]
                let elapsed = seconds(clock.measure { for i in 0..<calls { cell.body(i % cell.inputCount) } })
                perCall[index].append(elapsed / Double(calls))
            }
        }
        return cells.enumerated().map { index, cell in
            let times = perCall[index].sorted()
            let median = times[times.count / 2]
            let result = BenchResult(
                size: cell.size, op: cell.op, variant: cell.variant,
                imagesPerSecond: 1 / median, nsPerPixel: median * 1e9 / Double(cell.pixels),
                medianSeconds: median, spreadPercent: (times.last! - times.first!) / median * 100,
                callsPerRepeat: callsPerRepeat[index], repeats: repeats)
            log(String(format: "  %-10@ %-18@ %-22@ %10.1f img/s %9.2f ns/px (spread %.0f%%)",
                       cell.size as NSString, cell.op as NSString, cell.variant as NSString,
                       result.imagesPerSecond, result.nsPerPixel, result.spreadPercent))
            return result
        }
    }
}
