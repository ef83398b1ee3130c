import Codecs
import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem
import Watch

/// Why the daemon could not start.
public struct DaemonError: Error, CustomStringConvertible {
    public let description: String
}

/// `augmentd run`: watches the inboxes, feeds a bounded queue, processes files on `workers`
/// threads, repairs unfinished work at start, and stops cleanly on SIGTERM/SIGINT (work in
/// flight is finished, nothing new is taken, exit 0).
public final class DaemonRunner: @unchecked Sendable {  // immutable after init; the queue and ledger synchronise themselves
    let config: Configuration
    let log: @Sendable (String) -> Void
    let ledger: Ledger
    let intakes: [String: FileIntake]   // by inbox path
    let queue = WorkQueue()
    public let counters = DaemonCounters()

    public init(config: Configuration, version: String, log: @escaping @Sendable (String) -> Void) throws {
        self.config = config
        self.log = log
        do {
            try DurableFile.makeFolders(config.daemon.stateDir)
            try DurableFile.makeFolders(config.daemon.datasetRoot)
        } catch {
            throw DaemonError(description: "cannot create \(config.daemon.stateDir) or \(config.daemon.datasetRoot): \(error)")
        }
        ledger = try Ledger(path: "\(config.daemon.stateDir)/ledger.sqlite")
        var intakes = [String: FileIntake]()
        let inFlight = InFlightHashes()
        for watch in config.watches {
            var resolved = watch
            resolved.inbox = URL(fileURLWithPath: watch.inbox).standardizedFileURL.path
            var intake = FileIntake(inbox: resolved, profileName: watch.profile, profile: config.profiles[watch.profile]!,
                                    layout: DatasetLayout(root: config.daemon.datasetRoot),
                                    limits: DecodeLimits(maxPixels: config.daemon.maxPixels), ledger: ledger)
            intake.version = "augmentd \(version)"
            intake.inFlight = inFlight
            intakes[resolved.inbox] = intake
        }
        self.intakes = intakes
    }

    /// The intake responsible for a path below one of the inboxes.
    func intake(for path: String) -> FileIntake? {
        intakes.first { path.hasPrefix($0.key + "/") }?.value
    }

    /// Work a crash left behind: dot-temp files in the dataset (never complete, never seen by
    /// loaders) are removed; originals claimed but not marked done are finished.
    func repair() throws {
        var removed = 0
        if let walker = FileManager.default.enumerator(atPath: config.daemon.datasetRoot) {
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix("."), name.contains(".tmp-") {
                    try? FileMoves.remove("\(config.daemon.datasetRoot)/\(relative)")
                    removed += 1
                }
            }
        }
        var factory = VariantFactory(limits: DecodeLimits(maxPixels: config.daemon.maxPixels))
        var finished = 0
        for record in try ledger.unfinished() {
            guard let intake = intakes[record.inbox] ?? intakes.values.first else { continue }
            if intake.repair(record, factory: &factory) { finished += 1 }
        }
        if removed > 0 || finished > 0 {
            log("repair: removed \(removed) unfinished temp file\(removed == 1 ? "" : "s"), finished \(finished) original\(finished == 1 ? "" : "s")")
        }
    }

    /// Runs until a stop signal; returns the exit status.
    public func run() throws -> Int32 {
        StopSignal.install()
        try repair()
        let watcher = try InboxWatcher(inboxes: intakes.keys.sorted().map(InboxSpec.init(path:)))
        for event in try watcher.start() { handle(event) }
        let networkInboxes = intakes.keys.filter { (try? FileSystemKind.networkName(of: $0)) != nil }
        for inbox in networkInboxes { log("inbox \(inbox) is on a network filesystem: polled every 2 s") }
        log("augmentd: watching \(intakes.count) inbox\(intakes.count == 1 ? "" : "es"), "
            + "\(workerCount) worker\(workerCount == 1 ? "" : "s"), dataset \(config.daemon.datasetRoot)")

        let workers = (0..<workerCount).map { index in
            let thread = Thread { [self] in workerLoop() }
            thread.name = "augmentd-worker-\(index)"
            thread.start()
            return thread
        }
        _ = workers

        var lastRescan = Date().timeIntervalSince1970
        while !StopSignal.isRequested {
            // Wake for the earliest retry, so a settled file is not kept waiting for the next tick.
            let untilRetry = queue.nextRetry.map { max(0, $0 - Date().timeIntervalSince1970) } ?? 0.2
            let events = try watcher.poll(timeout: Int32(min(0.2, untilRetry) * 1000) + 1)
            var rescanNeeded = false
            for event in events {
                if event == .overflow {
                    let count = counters.countOverflow()
                    log("inotify queue overflow (\(count) so far): rescanning every inbox")
                    rescanNeeded = true
                } else {
                    handle(event)
                }
            }
            let now = Date().timeIntervalSince1970
            if queue.tick(now: now) { rescanNeeded = true }
            let interval = networkInboxes.isEmpty ? config.daemon.rescanInterval : 2
            if interval > 0 && now - lastRescan >= interval { rescanNeeded = true }
            if rescanNeeded {
                for event in try watcher.rescan() { handle(event) }
                lastRescan = now
            }
        }
        log("augmentd: stopping: finishing work in flight")
        queue.stop()
        while queue.counts.inFlight > 0 { Thread.sleep(forTimeInterval: 0.05) }
        log("augmentd: stopped")
        return 0
    }

    var workerCount: Int {
        config.daemon.workers > 0 ? config.daemon.workers : ProcessInfo.processInfo.activeProcessorCount
    }

    func handle(_ event: WatchEvent) {
        switch event {
        case .candidate(_, let path):
            queue.add(path)
        case .inboxLost(let inbox):
            log("inbox \(inbox) disappeared: waiting for it to come back")
        case .inboxRestored(let inbox):
            log("inbox \(inbox) is back: scanned")
        case .overflow:
            break
        }
    }

    func workerLoop() {
        var factory = VariantFactory(limits: DecodeLimits(maxPixels: config.daemon.maxPixels))
        while let path = queue.next() {
            defer { queue.finished(path) }
            guard let intake = intake(for: path) else { continue }
            let started = Date()
            let outcome = intake.process(path, factory: &factory)
            let seconds = Date().timeIntervalSince(started)
            let ms = Int(seconds * 1000)
            switch outcome {
            case .added, .duplicate, .labelConflict, .failed: counters.countProcessed(seconds: seconds, path: path)
            case .refused, .notReady, .vanished: break
            }
            switch outcome {
            case .added(let hash, let label, let split, let variants, _):
                log("added \(path) hash=\(hash.prefix(8)) label=\(label) split=\(split.rawValue) variants=\(variants) ms=\(ms)")
            case .duplicate(let hash, let original):
                log("duplicate \(path) hash=\(hash.prefix(8)) of \(original)")
            case .labelConflict(let hash, let existing):
                log("label conflict \(path) hash=\(hash.prefix(8)): already in the dataset as \"\(existing)\"")
            case .failed(let reason, let movedTo):
                log("failed \(path): \(reason)\(movedTo.map { " (moved to \($0))" } ?? "")")
            case .refused(let kind):
                if counters.firstRefusal(of: path) {
                    log("refused \(path): not a regular file: \(kind.rawValue) (left in place)")
                    try? ledger.record(.refused, inbox: intake.inbox.inbox, path: path,
                                       label: try? intake.label(of: path).get(),
                                       reason: "not a regular file: \(kind.rawValue)")
                }
            case .notReady(let retryAt):
                queue.retry(path, at: retryAt)
            case .vanished:
                break
            }
        }
    }
}
