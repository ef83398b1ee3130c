import Config
import Foundation
import Ledger

/// Which extra variants balancing adds. Per label, the gap between its train count (originals
/// plus variants) and the target is spread over the label's train originals in rounds, the
/// least-augmented first (ties: the oldest), never beyond `max_variants_per_original`. Extra
/// variants continue each original's numbering (k above its highest). Pure and deterministic:
/// the same ledger and settings give the same plan, whatever runs it.
public struct BalancePlan: Sendable, Equatable {
    public struct Label: Sendable, Equatable {
        public let name: String
        public let before: Int
        public let after: Int
        /// The count this label is topped up to (its own count when it is not balanced).
        public let target: Int
    }

    /// Extra variants of one original.
    public struct Extra: Sendable, Equatable {
        public let original: OriginalRecord
        public let indices: [Int]
    }

    public let labels: [Label]
    /// In original id order.
    public let extras: [Extra]

    public var variantCount: Int { extras.reduce(0) { $0 + $1.indices.count } }

    public static func make(_ candidates: [BalanceCandidate], settings: BalanceSettings) -> BalancePlan {
        let byLabel = Dictionary(grouping: candidates, by: \.record.label)
        let counts = byLabel.mapValues { $0.reduce(0) { $0 + 1 + $1.variantCount } }
        let target: Int = switch settings.target {
        case .largest: counts.values.max() ?? 0
        case .count(let n): n
        }
        let chosen = Set(settings.labels.map(\.precomposedStringWithCanonicalMapping))
        var labels = [Label]()
        var extras = [Int64: (OriginalRecord, [Int])]()
        for name in byLabel.keys.sorted() {
            let before = counts[name] ?? 0
            guard chosen.isEmpty || chosen.contains(name), before < target else {
                labels.append(Label(name: name, before: before, after: before, target: chosen.isEmpty || chosen.contains(name) ? target : before))
                continue
            }
            let originals = byLabel[name]!.sorted { $0.record.id < $1.record.id }
            var variants = originals.map(\.variantCount)
            var nextK = originals.map { $0.highestVariant + 1 }
            var gap = target - before
            while gap > 0 {
                let open = variants.indices.filter { variants[$0] < settings.maxVariantsPerOriginal }
                guard let lowest = open.map({ variants[$0] }).min() else { break }
                for i in open where variants[i] == lowest && gap > 0 {
                    extras[originals[i].record.id, default: (originals[i].record, [])].1.append(nextK[i])
                    variants[i] += 1
                    nextK[i] += 1
                    gap -= 1
                }
            }
            labels.append(Label(name: name, before: before, after: target - gap, target: target))
        }
        let ordered = extras.keys.sorted().map { Extra(original: extras[$0]!.0, indices: extras[$0]!.1) }
        return BalancePlan(labels: labels, extras: ordered)
    }
}
