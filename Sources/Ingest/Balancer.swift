import Augment
import Codecs
import Config
import Dispatch
import Foundation
import Hashing
import Ledger
import LinuxSystem
import Synchronization

/// Writes a balance plan's variants: each original is read back from the dataset (its hash
/// checked), rendered with the profile it was added with, and its extra variants written like
/// any variant (temp, fsync, rename without replacing; one folder fsync per original), then
/// recorded. A variant already on disk with the same bytes (a run cut short before recording
/// it) is kept and recorded: variants are deterministic, so a restarted run ends with the tree
/// an uninterrupted one writes.
public struct Balancer: Sendable {
    public let ledger: any BalanceLedger
    /// Where the ledger's dataset keys are on this host.
    public let layout: DatasetLayout
    public let limits: DecodeLimits
    /// The configured profiles: used for originals recorded before profiles were kept in the ledger.
    public let profiles: [String: Profile]
    public let workers: Int

    public init(ledger: any BalanceLedger, layout: DatasetLayout, limits: DecodeLimits, profiles: [String: Profile], workers: Int) {
        self.ledger = ledger
        self.layout = layout
        self.limits = limits
        self.profiles = profiles
        self.workers = max(1, workers)
    }

    public struct Failure: Sendable, Equatable {
        public let original: String
        public let reason: String
    }

    /// Writes every extra of `plan`; stops taking new originals once `shouldStop` says so.
    /// Returns the variants written (or found and recorded) and the originals that failed.
    public func run(_ plan: BalancePlan, shouldStop: @escaping @Sendable () -> Bool = { false })
        -> (variants: Int, failures: [Failure])
    {
        // What a balance run killed mid-write left in these folders (a running daemon's writes stay).
        for folder in Set(plan.extras.compactMap { $0.original.originalPath.map { DurableFile.split(layout.path(of: $0)).folder } }) {
            DatasetLayout.removeAbandonedTemps(in: folder)
        }
        let next = Atomic<Int>(0)
        let written = Atomic<Int>(0)
        let failures = Mutex<[Failure]>([])
        let extras = plan.extras
        DispatchQueue.concurrentPerform(iterations: min(workers, max(extras.count, 1))) { _ in
            var factory = VariantFactory(limits: limits)
            while !shouldStop() {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= extras.count { break }
                let extra = extras[index]
                do {
                    let count = try write(extra, &factory)
                    written.wrappingAdd(count, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append(Failure(original: extra.original.originalPath.map(layout.path(of:)) ?? extra.original.hash,
                                                          reason: "\(error)")) }
                }
            }
        }
        return (written.load(ordering: .relaxed), failures.withLock { $0 })
    }

    struct BalanceError: Error, CustomStringConvertible {
        let description: String
    }

    private func write(_ extra: BalancePlan.Extra, _ factory: inout VariantFactory) throws -> Int {
        let record = extra.original
        guard let path = record.originalPath.map(layout.path(of:)), let hash = SHA256Digest(hex: record.hash) else {
            throw BalanceError(description: "the ledger has no dataset path for \(record.hash.prefix(8))")
        }
        guard let profile = Profile.recorded(for: record, candidates: profiles.keys.sorted().compactMap { profiles[$0] }) else {
            throw BalanceError(description: "\(path): the profile it was added with (\(record.profile)) is no longer known")
        }
        let bytes = try RegularFile.read(path)
        guard SHA256Digest.of(bytes) == hash else {
            throw BalanceError(description: "\(path) changed since it was added (its hash is not \(record.hash.prefix(8)))")
        }
        let (image, info) = try factory.decoder.decode(bytes)
        let variants = try factory.variants(of: image, format: info.format, losslessOriginal: info.isLossless, hash: hash,
                                            profile: profile, profileHash: profile.canonicalHash, indices: extra.indices)
        let folder = DurableFile.split(path).folder
        var records = [VariantRecord]()
        for variant in variants {
            let target = "\(folder)/\(DatasetLayout.variantName(sourceName: record.sourceName, hash: hash, variant: variant.index, format: variant.format))"
            do {
                try DurableFile.write(variant.bytes, to: target, syncFolder: false, replacing: false)
            } catch {
                // Written by a run cut short before its record: the same bytes are the same variant.
                guard error.isAlreadyExists, (try? RegularFile.read(target)) == variant.bytes else {
                    throw error.isAlreadyExists
                        ? BalanceError(description: "\(target) exists with other bytes: left as it is")
                        : error
                }
            }
            CrashPoint.reached("balance-variant-written")
            records.append(try variant.record(path: layout.key(of: target)))
        }
        try DurableFile.syncFolder(folder)
        try ledger.addVariants(originalID: record.id, records)
        CrashPoint.reached("balance-original-recorded")
        return records.count
    }
}
