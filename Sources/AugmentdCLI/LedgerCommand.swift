import ArgumentParser
import Augment
import Codecs
import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem

/// `augmentd ledger …`: maintenance of the ledger itself.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Maintain the ledger (rebuild a damaged or lost one from the dataset tree, move it to PostgreSQL).",
        subcommands: [LedgerRebuildCommand.self, LedgerMigrateCommand.self])
}

/// `augmentd ledger rebuild --config FILE`: a new ledger from the dataset tree. The old file (if
/// any) is kept beside it; retrain history and events are not in the tree and are lost.
struct LedgerRebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the ledger from the dataset tree; the old ledger is kept beside it.",
        discussion: """
            Every original in dataset_root (<split>/<label>/<stem>-<h8>.<ext>, its hash checked against its \
            bytes) is recorded as done with the variants found beside it. Retrain history and the record of \
            failures are not in the tree: they are lost, and status says the ledger was rebuilt. Rebuilt \
            originals count as not yet trained on. Stop the daemon first.
            """)

    @OptionGroup var configFile: ConfigFileOption

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config, checkPaths: false)
        let stateDir = configuration.daemon.stateDir
        let ledgerPath = "\(stateDir)/ledger.sqlite"
        let lock: FileLock?
        do {
            try DurableFile.makeFolders(stateDir)
            lock = try FileLock.tryAcquire("\(stateDir)/daemon.lock")
        } catch {
            throw CLIErrors.Failure(description: "state_dir \(stateDir): \(error)")
        }
        guard let lock else {
            throw CLIErrors.Failure(description: "a daemon is running with state_dir \(stateDir): stop it first")
        }
        defer { lock.release() }

        let inventory = DatasetInventory.scan(DatasetLayout(root: configuration.daemon.datasetRoot))
        let building = "\(stateDir)/.ledger-rebuild.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileMoves.remove(building + suffix) }
        let counts: (originals: Int, variants: Int)
        do {
            counts = try Self.fill(building, from: inventory, configuration: configuration)
        } catch {
            throw CLIErrors.Failure(description: "cannot write \(building): \(error)")
        }
        // The old ledger is kept, never deleted: it may still hold what the tree cannot tell.
        var keptCopy: String?
        if FileMoves.exists(ledgerPath) {
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            keptCopy = "\(ledgerPath).replaced-\(stamp)"
            for suffix in ["", "-wal", "-shm"] where FileMoves.exists(ledgerPath + suffix) {
                do { try FileMoves.move(ledgerPath + suffix, to: keptCopy! + suffix) } catch {
                    throw CLIErrors.Failure(description: "cannot keep the old ledger as \(keptCopy!): \(error)")
                }
            }
        }
        do {
            try FileMoves.move(building, to: ledgerPath)
            let ledger = try Ledger(path: ledgerPath)
            try ledger.recordRebuild(LedgerRebuild(at: Date().timeIntervalSince1970,
                                                   datasetRoot: configuration.daemon.datasetRoot, keptCopy: keptCopy,
                                                   originals: counts.originals, variants: counts.variants))
        } catch {
            throw CLIErrors.Failure(description: "cannot put the rebuilt ledger at \(ledgerPath): \(error)")
        }
        print("rebuilt \(ledgerPath) from \(configuration.daemon.datasetRoot): \(counts.originals) originals, "
              + "\(counts.variants) variants")
        if let keptCopy { print("the old ledger is kept as \(keptCopy)") }
        print("retrain history and failure records before now are lost; the rebuilt originals count as not yet trained on")
        for path in inventory.orphanVariants {
            print("not recorded: \(DisplayText.escaped(path)) (a variant without its original)")
        }
        for path in inventory.foreignFiles {
            print("not recorded: \(DisplayText.escaped(path)) (not a file augmentd wrote, or its bytes do not match its name)")
        }
    }

    /// Writes every original of the inventory into a new ledger at `path` (closed on return).
    static func fill(_ path: String, from inventory: DatasetInventory,
                     configuration: Configuration) throws -> (originals: Int, variants: Int) {
        let ledger = try Ledger(path: path)   // new: its paths are keys from the start
        let layout = DatasetLayout(root: configuration.daemon.datasetRoot)
        let decoder = ImageDecoder(limits: DecodeLimits(maxPixels: configuration.daemon.maxPixels))
        var originals = 0
        var variants = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for found in inventory.originals {
            let watch = Self.watch(for: found.label, in: configuration)
            let profileName = watch?.profile ?? configuration.profiles.keys.sorted().first ?? "default"
            let profile = configuration.profiles[profileName] ?? Profile()
            let profileHash = profile.canonicalHash
            var records = [VariantRecord]()
            // Parameters are drawn again (they depend only on the hash, the profile and k); an original
            // that no longer decodes keeps its variants without them.
            let size = (try? decoder.decode(found.bytes)).map { ($0.image.width, $0.image.height) }
            for (k, variant) in found.variants.sorted(by: { $0.key < $1.key }) {
                var json = "{}"
                if let (width, height) = size {
                    let parameters = profile.drawParameters(contentHash: found.hash, profileHash: profileHash, variant: k,
                                                            width: width, height: height)
                    json = (try? encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                }
                records.append(VariantRecord(index: k, path: layout.key(of: variant.path), format: variant.format.rawValue,
                                             parametersJSON: json))
            }
            let modified = (try? FileMoves.status(found.path))?.modified ?? Date().timeIntervalSince1970
            let record = OriginalRecord(
                id: 0, hash: found.hash.hex, label: found.label, split: found.split.rawValue, sourceName: found.sourceName,
                inbox: watch.map { Configuration.inboxPath($0.inbox) } ?? "", profile: profileName,
                profileHash: profileHash.hex, profileJSON: nil, status: .done, originalPath: layout.key(of: found.path),
                createdAt: modified, updatedAt: modified)
            if try ledger.recordRebuilt(record, variants: records) {
                originals += 1
                variants += records.count
            }
        }
        return (originals, variants)
    }

    /// The inbox an original most likely came from: one with this fixed label, else the first
    /// whose label folder has this name, else the first inbox.
    static func watch(for label: String, in configuration: Configuration) -> WatchSettings? {
        let watches = configuration.watches
        return watches.first { $0.label == label }
            ?? watches.first { $0.label.isEmpty && FileMoves.exists("\(Configuration.inboxPath($0.inbox))/\(label)") }
            ?? watches.first
    }
}
