import Augment
import Codecs
import Dispatch
import Hashing
import LinuxSystem
import Synchronization

/// One file for the one-shot `augment` command.
public struct BatchInput: Sendable {
    public let path: String
    public let label: String
    public init(path: String, label: String) {
        self.path = path
        self.label = label
    }
}

/// What happened to one file.
public enum BatchOutcome: Sendable {
    /// `pages`: a TIFF's page count (only the first is augmented).
    case written(original: String, variants: Int, split: Split, pages: Int = 1)
    case duplicate(of: String)
    /// The original is already in the dataset (written by the daemon or an earlier run): nothing
    /// is written, so a dataset a daemon owns never has its files replaced.
    case alreadyInDataset(original: String)
    case failed(String)
}

/// Augments a list of files into a dataset tree with every core: each worker takes the next
/// file, decodes it once, renders its variants and writes each atomically. A bad file is
/// reported and skipped.
public struct BatchAugmenter: Sendable {
    public let profile: Profile
    public let profileHash: SHA256Digest
    public let layout: DatasetLayout
    public let valFraction: Double
    public let limits: DecodeLimits
    public let workers: Int

    public init(profile: Profile, layout: DatasetLayout, valFraction: Double, limits: DecodeLimits, workers: Int) {
        self.profile = profile
        profileHash = profile.canonicalHash
        self.layout = layout
        self.valFraction = valFraction
        self.limits = limits
        self.workers = max(1, workers)
    }

    /// Processes every input; `report` is called once per file (from worker threads, serialised).
    public func run(_ inputs: [BatchInput], report: @escaping @Sendable (BatchInput, BatchOutcome) -> Void) {
        let next = Atomic<Int>(0)
        let seen = Mutex<[SHA256Digest: String]>([:])
        let reportLock = Mutex<Void>(())
        DispatchQueue.concurrentPerform(iterations: min(workers, max(inputs.count, 1))) { _ in
            var factory = VariantFactory(limits: limits)
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= inputs.count { break }
                let input = inputs[index]
                let outcome = process(input, &factory, seen)
                reportLock.withLock { _ in report(input, outcome) }
            }
        }
    }

    private func process(_ input: BatchInput, _ factory: inout VariantFactory,
                         _ seen: borrowing Mutex<[SHA256Digest: String]>) -> BatchOutcome {
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(input.path)
        } catch {
            return .failed(error.description)
        }
        let hash = SHA256Digest.of(bytes)
        let firstSeen = seen.withLock { map -> String? in
            if let earlier = map[hash] { return earlier }
            map[hash] = input.path
            return nil
        }
        if let firstSeen { return .duplicate(of: firstSeen) }
        do {
            let (image, info) = try factory.decoder.decode(bytes)
            let split = Split.of(hash, valFraction: valFraction)
            let name = (input.path.split(separator: "/").last).map(String.init) ?? input.path
            let folder = layout.folder(split: split, label: input.label)
            try DurableFile.makeFolders(folder)
            let originalPath = "\(folder)/\(DatasetLayout.originalName(sourceName: name, hash: hash, format: info.format))"
            if FileMoves.exists(originalPath) { return .alreadyInDataset(original: originalPath) }
            // A variant already there (another profile's, a daemon's) is kept, never replaced.
            var written = [String]()
            let count = try VariantWriter(profile: profile, profileHash: profileHash, layout: layout)
                .write(of: image, info: info, hash: hash, folder: folder, sourceName: name, split: split,
                       factory: &factory, existing: .keep, written: &written).count
            // The original goes in last: its presence means the file is complete.
            do {
                try DurableFile.write(bytes, to: originalPath, replacing: false)
            } catch {
                if !error.isAlreadyExists { throw error }
                return .alreadyInDataset(original: originalPath)
            }
            return .written(original: originalPath, variants: count, split: split, pages: info.pages)
        } catch let error as CodecError {
            return .failed(error.description)
        } catch let error as SystemError {
            return .failed("cannot write to the dataset: \(error)")
        } catch let error as DatasetWriteError {
            return .failed(error.description)
        } catch {
            return .failed("\(error)")
        }
    }
}
