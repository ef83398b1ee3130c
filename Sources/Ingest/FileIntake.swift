import Augment
import Codecs
import Config
import Foundation
import Hashing
import Ledger
import LinuxSystem
import Synchronization

/// What happened to one inbox file.
public enum IntakeOutcome: Sendable, Equatable {
    /// `note`: what the log line should add (a TIFF of several pages: only the first was augmented).
    case added(hash: String, label: String, split: Split, variants: Int, original: String, note: String? = nil)
    case duplicate(hash: String, of: String)
    case labelConflict(hash: String, existingLabel: String)
    case failed(reason: String, movedTo: String?)
    /// A symlink, FIFO, device or folder: left where it is.
    case refused(FileKind)
    /// Not settled yet (still being written, or truncated and young): look again after this time.
    case notReady(retryAt: Double)
    /// Gone before we got to it.
    case vanished
    /// Taken before and left in the inbox (`on_success = keep`), unchanged since: nothing to do.
    case alreadyTaken
    /// The dataset (or the ledger) could not be written: nothing of this file is in the dataset,
    /// it stays in the inbox and is tried again later. The reason names the path.
    case blocked(reason: String)
    /// The ledger file is damaged: the daemon must stop before it loses track of anything.
    case ledgerDamaged(String)

    /// The file is still to be taken (it waits in its inbox for a retry).
    public var leavesFileWaiting: Bool {
        switch self {
        case .blocked, .notReady: true
        default: false
        }
    }
}

/// The life of one file in the daemon (DESIGN.md "Life of a file"): safe open, sniff, probe,
/// decode, variants written atomically, the original moved/kept/deleted, the ledger marked done —
/// in that order, so a crash at any point is repaired by doing the work again.
public struct FileIntake: Sendable {
    public let inbox: WatchSettings
    public let profileName: String
    public let profile: Profile
    public let profileHash: SHA256Digest
    /// The profile as recorded with each claim, so crash repair renders with exactly it.
    public let profileJSON: String
    public let layout: DatasetLayout
    public let limits: DecodeLimits
    public let ledger: any IntakeLedger
    /// A file younger than this (by mtime) is not taken yet: writers may still be at work.
    public var settleSeconds = 1.0
    /// A truncated file is failed only once it is older than this.
    public var truncatedGraceSeconds = 30.0
    public var version = "augmentd"
    /// Content hashes being processed right now, shared by every worker of the process.
    public var inFlight = InFlightHashes()

    public init(inbox: WatchSettings, profileName: String, profile: Profile, layout: DatasetLayout,
                limits: DecodeLimits, ledger: any IntakeLedger) {
        self.inbox = inbox
        self.profileName = profileName
        self.profile = profile
        profileHash = profile.canonicalHash
        profileJSON = Self.json(profile)
        self.layout = layout
        self.limits = limits
        self.ledger = ledger
    }

    /// The label of a file from its place below the inbox, or why it has none.
    public func label(of path: String) -> Result<String, FileFailure> {
        // Labels are NFC: "café" typed on Linux and "café" copied from macOS (NFD) are one class.
        if !inbox.label.isEmpty { return .success(inbox.label.precomposedStringWithCanonicalMapping) }
        let relative = relativePath(path)
        let parts = relative.split(separator: "/")
        guard parts.count >= 2 else {
            return .failure(FileFailure(.badLabel, "not in a label folder: with label = \"\" the first folder below the inbox names the class"))
        }
        let label = String(parts[0]).precomposedStringWithCanonicalMapping
        if let problem = LabelRules.problem(with: label) { return .failure(FileFailure(.badLabel, "bad label folder \"\(label)\": \(problem)")) }
        return .success(label)
    }

    func relativePath(_ path: String) -> String {
        path.hasPrefix(inbox.inbox + "/") ? String(path.dropFirst(inbox.inbox.count + 1)) : path
    }

    /// Processes one candidate path with this worker's factory.
    public func process(_ path: String, factory: inout VariantFactory, now: Double = Date().timeIntervalSince1970)
        -> IntakeOutcome
    {
        let status: FileStatus
        do {
            status = try FileMoves.status(path)
        } catch {
            return .vanished
        }
        guard status.kind == .regular else { return .refused(status.kind) }
        // Settled = untouched for `settleSeconds`, judged by ctime: mtime may be copied from elsewhere.
        // A ctime in the future means the clock was set back since the last change: settled too.
        let age = now - status.changed
        if age > -settleSeconds && age < settleSeconds { return .notReady(retryAt: status.changed + settleSeconds) }
        if inbox.onSuccess == .keep,
           (try? ledger.isKept(path: path, size: status.size, modified: status.modified, changed: status.changed)) == true {
            return .alreadyTaken
        }

        let label: String
        switch self.label(of: path) {
        case .success(let l): label = l
        case .failure(let failure): return fail(path, failure, now: now)
        }
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path)
        } catch {
            if case .notRegularFile(let kind) = error { return .refused(kind) }
            if error.isNotFound { return .vanished }
            return fail(path, FileFailure(reading: error), now: now)
        }
        // Second look: a file that changed while we read it is still being written.
        guard let after = try? FileMoves.status(path) else { return .vanished }
        if after != status || bytes.count != status.size {
            return .notReady(retryAt: now + settleSeconds)
        }
        let hash = SHA256Digest.of(bytes)
        let sourceName = (path as NSString).lastPathComponent
        // The same bytes in two files at once: the second waits, then finds a duplicate.
        guard inFlight.insert(hash.hex) else { return .notReady(retryAt: now + 0.5) }
        defer { inFlight.remove(hash.hex) }
        do {
            if let existing = try ledger.original(hash: hash.hex), existing.status == .done {
                // This very file, taken meanwhile by another daemon sharing the ledger (a shared
                // inbox): moved away, or kept in place under its name. Nothing to record.
                if !FileMoves.exists(path) { return .vanished }
                if inbox.onSuccess == .keep, existing.sourceName == sourceName, existing.inbox == inbox.inbox {
                    try rememberIfKept(path, status, hash: hash)
                    return .alreadyTaken
                }
                if existing.label != label {
                    try ledger.record(.labelConflict, inbox: inbox.inbox, path: path, hash: hash.hex, label: label,
                                      reason: "the same bytes are already in the dataset as \"\(existing.label)\"",
                                      failureClass: .labelConflict, now: now)
                    _ = moveToFailed(path, reason: "label conflict: the same bytes are already in the dataset as "
                                     + "\"\(existing.label)\" (\(existing.originalPath.map(layout.path(of:)) ?? "?"))", now: now)
                    return .labelConflict(hash: hash.hex, existingLabel: existing.label)
                }
                try ledger.record(.duplicate, inbox: inbox.inbox, path: path, hash: hash.hex, label: label,
                                  reason: "the same bytes are already in the dataset: \(existing.originalPath.map(layout.path(of:)) ?? "?")",
                                  failureClass: nil, now: now)
                try applyOnSuccessToDuplicate(path)
                try rememberIfKept(path, status, hash: hash)
                return .duplicate(hash: hash.hex, of: existing.originalPath.map(layout.path(of:)) ?? "")
            }
            // Claimed before decoding: daemons sharing an inbox (several hosts) race for a file with
            // a read and a hash, never with a decode.
            let split = Split.of(hash, valFraction: inbox.valFraction)
            let (record, isNew) = try ledger.claim(hash: hash.hex, label: label, split: split.rawValue, sourceName: sourceName,
                                                   inbox: inbox.inbox, profile: profileName, profileHash: profileHash.hex,
                                                   profileJSON: profileJSON, now: now)
            let (image, info): (Image, ImageInfo)
            do {
                (image, info) = try factory.decoder.decode(bytes)
            } catch {
                // Young by mtime (a writer may still append); an mtime far in the future is a
                // copied timestamp, not a writer at work. A claim from before (a crash) is kept.
                let age = now - status.modified
                if error.mayBeIncomplete && age > -settleSeconds && age < truncatedGraceSeconds {
                    if isNew { try ledger.releaseClaim(id: record.id) }
                    return .notReady(retryAt: status.modified + truncatedGraceSeconds)
                }
                try ledger.releaseClaim(id: record.id)
                return fail(path, FileFailure(error), now: now)
            }
            // A claim made earlier (a crash, or the same bytes under this label in flight) is redone
            // with its recorded label and split: the variants are deterministic.
            let recordSplit = Split(rawValue: record.split) ?? split
            let folder = layout.folder(split: recordSplit, label: record.label)
            // A retaken claim: what its dead writer left half-written of this original goes.
            if !isNew { DatasetLayout.removeAbandonedTemps(in: folder, containing: "-\(hash.hex.prefix(8))") }
            var written = [String]()
            let originalPath = "\(folder)/\(DatasetLayout.originalName(sourceName: sourceName, hash: hash, format: info.format))"
            let variants: [VariantRecord]
            do {
                try DatasetWriteError.writing(folder) { () throws(SystemError) in try DurableFile.makeFolders(folder) }
                // An earlier claim (a crash) is finished with the profile it was made with, whatever the config says now.
                let renderer = record.profileHash == profileHash.hex
                    ? self : (withRecordedProfile(of: record, configured: [:]) ?? self)
                variants = try renderer.writeVariants(of: image, info: info, hash: hash, folder: folder, sourceName: sourceName,
                                                      split: recordSplit, factory: &factory, written: &written)
                CrashPoint.reached("variants-written")
                try placeOriginal(path, bytes: bytes, at: originalPath)
                CrashPoint.reached("original-placed")
            } catch {
                // Loaders must never see variants without their original: take back what this
                // attempt wrote and release the claim; a refused write leaves the file in the inbox
                // for a retry.
                for variant in written { try? FileMoves.remove(variant) }
                try? ledger.releaseClaim(id: record.id)
                if let error = error as? DatasetWriteError {
                    // The inbox kept its file (`delete` copied it first): the dataset's copy goes too.
                    if error.isInboxSide && FileMoves.exists(path) { try? FileMoves.remove(originalPath) }
                    return .blocked(reason: error.description)
                }
                throw error
            }
            do {
                try ledger.complete(id: record.id, originalPath: layout.key(of: originalPath), variants: variants, now: now)
            } catch {
                // Our lease ran out mid-file and another node finished it: the same bytes, done once.
                if error.heldBy != nil { return .duplicate(hash: hash.hex, of: originalPath) }
                // Every file is in place; the claim stays and the next start's repair records it.
                return .failed(reason: "\(originalPath) is in the dataset but the ledger could not record it "
                               + "(the next start finishes it): \(error)", movedTo: nil)
            }
            try rememberIfKept(path, status, hash: hash)
            return .added(hash: hash.hex, label: record.label, split: split, variants: variants.count, original: originalPath,
                          note: info.pages > 1 ? "a TIFF of \(info.pages) pages: variants of the first; the original is kept whole" : nil)
        } catch let error as LedgerError {
            if error.isDamage { return .ledgerDamaged(error.description) }
            // Another node holds these bytes (several hosts): look again once it is done.
            if error.heldBy != nil { return .notReady(retryAt: now + 2) }
            return .blocked(reason: "cannot write the ledger \(ledger.location): \(error.message)")
        } catch let error as SystemError {
            return .failed(reason: "\(error)", movedTo: nil)
        } catch let error as CodecError {
            return fail(path, FileFailure(error), now: now)
        } catch {
            return .failed(reason: "\(error)", movedTo: nil)
        }
    }

    /// Renders and writes the variants (see `VariantWriter`).
    func writeVariants(of image: Image, info: ImageInfo, hash: SHA256Digest, folder: String, sourceName: String,
                       split: Split, factory: inout VariantFactory, written: inout [String]) throws -> [VariantRecord] {
        try VariantWriter(profile: profile, profileHash: profileHash, layout: layout)
            .write(of: image, info: info, hash: hash, folder: folder, sourceName: sourceName, split: split,
                   factory: &factory, written: &written)
            .map { try $0.record(layout) }
    }

    /// Puts the original in the dataset per `on_success`; nothing is deleted before its copy is durable.
    func placeOriginal(_ path: String, bytes: [UInt8], at target: String) throws(DatasetWriteError) {
        let folder = DurableFile.split(target).folder
        switch inbox.onSuccess {
        case .move:
            do {
                try FileMoves.move(path, to: target)
            } catch {
                // rename(2) does not say which side refused: a folder we cannot change is named.
                let inboxFolder = DurableFile.split(path).folder
                if !FileMoves.canModify(inboxFolder) { throw DatasetWriteError(inboxFile: path, error) }
                throw DatasetWriteError(path: folder, error)
            }
        case .keep:
            // Also makes the variants' names durable.
            try DatasetWriteError.writing(folder) { () throws(SystemError) in try DurableFile.write(bytes, to: target) }
        case .delete:
            try DatasetWriteError.writing(folder) { () throws(SystemError) in try DurableFile.write(bytes, to: target) }
            do { try FileMoves.remove(path) } catch { throw DatasetWriteError(inboxFile: path, error) }
        }
    }

    /// With `keep`, the file stays in the inbox: remember it, so rescans do not take it again.
    func rememberIfKept(_ path: String, _ status: FileStatus, hash: SHA256Digest) throws(LedgerError) {
        guard inbox.onSuccess == .keep else { return }
        try ledger.recordKept(path: path, size: status.size, modified: status.modified, changed: status.changed,
                              hash: hash.hex)
    }

    func applyOnSuccessToDuplicate(_ path: String) throws(SystemError) {
        switch inbox.onSuccess {
        case .move, .delete: try FileMoves.remove(path)   // the dataset already holds these bytes
        case .keep: break
        }
    }

    func fail(_ path: String, _ failure: FileFailure, now: Double) -> IntakeOutcome {
        let moved = moveToFailed(path, reason: failure.message, now: now)
        let label = try? self.label(of: path).get()
        try? ledger.record(.failed, inbox: inbox.inbox, path: path, hash: nil, label: label, reason: failure.message,
                           failureClass: failure.failureClass, now: now)
        return .failed(reason: failure.message, movedTo: moved)
    }

    /// `<inbox>/.failed/<path below the inbox>` (a numeric suffix where a name is taken) with
    /// `<name>.error.txt` beside it.
    func moveToFailed(_ path: String, reason: String, now: Double) -> String? {
        let relative = relativePath(path)
        var target = "\(inbox.inbox)/.failed/\(relative)"
        let (folder, name) = DurableFile.split(target)
        var n = 1
        while FileMoves.exists(target) || FileMoves.exists(target + ".error.txt") {
            let (stem, ext) = DatasetLayout.stemAndExtension(of: name)
            target = "\(folder)/\(stem)-\(n)\(ext.isEmpty ? "" : "." + ext)"
            n += 1
        }
        let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: now))
        // One line per field, whatever the name or the reason holds (a newline would forge a field).
        let report = "file: \(DisplayText.escaped(relative))\nreason: \(DisplayText.escaped(reason))\n"
            + "time: \(stamp)\nversion: \(version)\n"
        do {
            try DurableFile.makeFolders(folder)
            try DurableFile.write(Array(report.utf8), to: target + ".error.txt")
            try FileMoves.move(path, to: target)
            return target
        } catch {
            return nil
        }
    }
}

extension FileIntake {
    /// Finishes an original claimed before a crash whose file already reached the dataset:
    /// re-renders its variants from it (deterministic, so the bytes are the ones a clean run
    /// writes) and marks it done. Returns false when the original is not in the dataset: the
    /// inbox file is then still there, and the catch-up scan processes it again.
    public func repair(_ record: OriginalRecord, factory: inout VariantFactory) -> Bool {
        guard let hash = SHA256Digest(hex: record.hash), let split = Split(rawValue: record.split) else { return false }
        var written = [String]()
        let folder = layout.folder(split: split, label: record.label)
        let candidates = ImageFormat.allCases.map {
            "\(folder)/\(DatasetLayout.originalName(sourceName: record.sourceName, hash: hash, format: $0))"
        }
        guard let originalPath = candidates.first(where: FileMoves.exists),
              let bytes = try? RegularFile.read(originalPath), SHA256Digest.of(bytes) == hash,
              let (image, info) = try? factory.decoder.decode(bytes),
              let variants = try? writeVariants(of: image, info: info, hash: hash, folder: folder,
                                                sourceName: record.sourceName, split: split, factory: &factory,
                                                written: &written)
        else { return false }
        return (try? ledger.complete(id: record.id, originalPath: layout.key(of: originalPath), variants: variants,
                                     now: Date().timeIntervalSince1970)) != nil
    }

    /// This intake with the profile an original was claimed with (recorded in the ledger), so a
    /// repair renders exactly the bytes an uninterrupted run would have written. Nil when the
    /// record carries no profile (ledgers from before 0.3.0) and no configured one has its hash.
    public func withRecordedProfile(of record: OriginalRecord, configured: [String: Profile]) -> FileIntake? {
        let others = [profile] + configured.keys.sorted().compactMap { configured[$0] }
        guard let match = Profile.recorded(for: record, candidates: others) else { return nil }
        var copy = FileIntake(inbox: inbox, profileName: record.profile, profile: match, layout: layout, limits: limits,
                              ledger: ledger)
        copy.version = version
        copy.inFlight = inFlight
        return copy
    }

    static func json(_ profile: Profile) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(profile)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The set of content hashes being processed, shared across workers.
public final class InFlightHashes: Sendable {
    private let hashes = Mutex<Set<String>>([])

    public init() {}

    /// Inserts the hash; false when another worker already holds it.
    public func insert(_ hash: String) -> Bool { hashes.withLock { $0.insert(hash).inserted } }

    public func remove(_ hash: String) { _ = hashes.withLock { $0.remove(hash) } }
}
