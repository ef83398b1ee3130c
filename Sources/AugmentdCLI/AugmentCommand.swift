import ArgumentParser
import Codecs
import Config
import Foundation
import LinuxSystem
import Ingest
import Synchronization

/// `augmentd augment IN... --config FILE --profile P --out DIR`: the one-shot version of the
/// daemon's work, on every core, with a progress bar on a terminal.
struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Write originals and augmented variants of images into a dataset tree, once.",
        discussion: """
            Inputs are files or folders (walked recursively; dot-files are skipped). Each file's label \
            is --label, or else the name of the folder it is in. Originals are copied, never moved. \
            A bad file is reported and skipped; the exit status is 1 when any file failed.
            """)

    @OptionGroup var profileOptions: ProfileOptions

    @Option(help: "The dataset root to write into.")
    var out: String

    @Option(help: "Variants per original (default: the profile's).")
    var variants: Int?

    @Option(help: "Label (class folder) for every input (default: each file's folder name).")
    var label: String?

    @Option(name: .customLong("val-fraction"), help: "Share of originals, chosen by hash, that go to val/ unaugmented.")
    var valFraction: Double = 0

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Argument(help: "Image files or folders.")
    var inputs: [String]

    func validate() throws {
        if let variants, !(0...1000).contains(variants) { throw ValidationError("--variants must be from 0 to 1000") }
        if !(0...1).contains(valFraction) { throw ValidationError("--val-fraction must be from 0 to 1") }
        if workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let label, let problem = LabelRules.problem(with: label) { throw ValidationError("--label: \(problem)") }
    }

    func run() throws {
        var (configuration, profile) = try profileOptions.load()
        if let variants { profile.variants = variants }
        let (files, unreadable) = try InputCollector.collect(inputs, label: label)
        let augmenter = BatchAugmenter(
            profile: profile, layout: DatasetLayout(root: out), valFraction: valFraction,
            limits: DecodeLimits(maxPixels: configuration.daemon.maxPixels), workers: workers)
        let progress = ProgressReporter(total: files.count + unreadable.count, interactive: isatty(STDERR_FILENO) == 1)
        for (input, reason) in unreadable { progress.record(input, .failed(reason)) }
        augmenter.run(files) { input, outcome in progress.record(input, outcome) }
        let summary = progress.finish()
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// Expands the command line's files and folders into labelled inputs.
enum InputCollector {
    /// The files to augment (folders walked recursively, dot-files skipped, sorted per folder given),
    /// and those that cannot be taken, with the reason: reported as failed, never skipped in silence.
    static func collect(_ paths: [String], label: String?) throws
        -> (files: [BatchInput], unreadable: [(BatchInput, String)])
    {
        var out = [BatchInput]()
        var unreadable = [(BatchInput, String)]()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIErrors.Failure(description: "\(path): no such file or folder")
            }
            if !isDirectory.boolValue {
                out.append(BatchInput(path: path, label: try labelFor(path, label)))
                continue
            }
            // Inside a folder each entry is taken as it is (lstat): a symlink or a FIFO there is
            // refused with its reason when its turn comes.
            let root = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            let entries = FolderWalk.entries(below: root, decide: { entry in
                if entry.rawName.first == UInt8(ascii: ".") { return .skip }
                return entry.kind == .directory ? .descend : .take
            }, unreadable: { folder, error in
                unreadable.append((BatchInput(path: folder, label: label ?? ""), "cannot read the folder: \(error)"))
            })
            var found = [String]()
            for entry in entries {
                guard let file = entry.path else {
                    let shown = "\(entry.folder)/\(RawNames.displayed(entry.rawName))"
                    unreadable.append((BatchInput(path: shown, label: label ?? ""),
                                       "the file name is not valid UTF-8: rename it (the daemon renames such files in its inboxes)"))
                    continue
                }
                found.append(file)
            }
            for file in found.sorted() { out.append(BatchInput(path: file, label: try labelFor(file, label))) }
        }
        return (out, unreadable)
    }

    static func labelFor(_ file: String, _ label: String?) throws -> String {
        if let label { return label }
        let folder = ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let name = folder.isEmpty || folder == "." ? "unlabelled" : folder
        if let problem = LabelRules.problem(with: name) {
            throw CLIErrors.Failure(description: "\(file): folder name cannot be a label (\(problem)); use --label")
        }
        return name
    }
}

/// Counts outcomes, draws the progress bar on a terminal, prints the summary.
final class ProgressReporter: Sendable {
    struct Counts {
        var done = 0, written = 0, variants = 0, duplicates = 0, alreadyInDataset = 0, failed = 0, val = 0
    }

    let total: Int
    let interactive: Bool
    let started = Date()
    private let counts = Mutex(Counts())

    init(total: Int, interactive: Bool) {
        self.total = total
        self.interactive = interactive
    }

    func record(_ input: BatchInput, _ outcome: BatchOutcome) {
        let snapshot = counts.withLock { c -> Counts in
            c.done += 1
            switch outcome {
            case .written(_, let variants, let split, _):
                c.written += 1
                c.variants += variants
                if split == .val { c.val += 1 }
            case .duplicate:
                c.duplicates += 1
            case .alreadyInDataset:
                c.alreadyInDataset += 1
            case .failed:
                c.failed += 1
            }
            return c
        }
        switch outcome {
        case .failed(let reason):
            clearLine()
            LogSink.standardError("\(input.path): error: \(reason)")
        case .duplicate(let first):
            clearLine()
            LogSink.standardError("\(input.path): duplicate of \(first), skipped")
        case .alreadyInDataset(let original):
            clearLine()
            LogSink.standardError("\(input.path): already in the dataset as \(original), nothing written")
        case .written(let original, _, _, let pages):
            if pages > 1 {
                clearLine()
                LogSink.standardError("\(input.path): a TIFF of \(pages) pages: variants of the first; \(original) keeps them all")
            }
        }
        if interactive { draw(snapshot) }
    }

    private func clearLine() {
        if interactive { LogSink.write(2, "\r\u{1B}[K") }
    }

    private func draw(_ c: Counts) {
        let elapsed = max(Date().timeIntervalSince(started), 1e-3)
        let rate = Double(c.done) / elapsed
        let remaining = rate > 0 ? Double(total - c.done) / rate : 0
        let width = 30
        let filled = total == 0 ? width : width * c.done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%d/%d files [%@] %.1f files/s, ETA %@", c.done, total, bar, rate,
                          Self.duration(remaining))
        LogSink.write(2, line)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    @discardableResult
    func finish() -> Counts {
        let c = counts.withLock { $0 }
        clearLine()
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(c.done) / elapsed : 0
        var line = String(format: "augmented %d file%@ (%d variants", c.written, c.written == 1 ? "" : "s", c.variants)
        if c.val > 0 { line += ", \(c.val) to val" }
        line += String(format: ") in %.1f s, %.1f files/s", elapsed, rate)
        line += "; \(c.failed) failed, \(c.duplicates) duplicate\(c.duplicates == 1 ? "" : "s")"
        if c.alreadyInDataset > 0 { line += ", \(c.alreadyInDataset) already in the dataset (kept as they are)" }
        line += "\n"
        LogSink.write(2, line)
        return c
    }
}
