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
    /// The process's exit status: 78 (EX_CONFIG) for what a restart cannot fix (a damaged or
    /// missing ledger), so systemd's `RestartPreventExitStatus=78` does not loop; 1 otherwise.
    public var exitStatus: Int32 = 1

    /// The exit status for a ledger that must be rebuilt before the daemon can run.
    public static let ledgerNeedsAttention: Int32 = 78
}

/// `augmentd run`: repairs unfinished work, watches the inboxes, feeds a bounded queue that
/// `workers` threads drain, reloads its configuration on SIGHUP, keeps systemd informed, writes
/// the metrics file, and stops cleanly on SIGTERM/SIGINT (work in flight is finished, exit 0).
public final class DaemonRunner {
    var config: Configuration
    private let configPath: String
    let log: @Sendable (String) -> Void
    let ledger: any DaemonLedger
    /// Held for the process's life (close-on-exec, so a trainer does not keep it).
    private let instanceLock: FileLock
    let intakes: IntakeTable
    private let queue: WorkQueue
    private let counters = DaemonCounters()
    let service: ServiceNotifier
    private let retrain: RetrainScheduler
    private let balance: BalanceScheduler
    private let startTime = Date().timeIntervalSince1970
    private var networkInboxes: [String] = []
    private var lastRescan = 0.0
    private var lastMetrics = -Double.infinity
    private var lastLedgerCheck = -Double.infinity
    var lastOrphanCheck = -Double.infinity
    private var watchFailuresLogged = Set<String>()
    private var hiddenFoldersLogged = Set<String>()
    private var tooLongPathsLogged = Set<String>()
    private var unrenamableLogged = Set<String>()
    /// Held while an inbox is watched: a second daemon (another state_dir, so another ledger)
    /// on the same inbox would race this one for its files.
    private var inboxLocks: [String: AbstractSocketClaim] = [:]
    /// Set when the ledger turns out to be damaged while running: the daemon stops with 78.
    private let ledgerDamage: LedgerDamageLatch

    public init(config: Configuration, version: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                log: @escaping @Sendable (String) -> Void) throws {
        self.config = config
        configPath = config.file
        ledgerDamage = LedgerDamageLatch(configPath: config.file, log: log)
        self.log = log
        do {
            try DurableFile.makeFolders(config.daemon.stateDir)
            try DurableFile.makeFolders(config.daemon.datasetRoot)
        } catch {
            throw DaemonError(description: "cannot create \(config.daemon.stateDir) or \(config.daemon.datasetRoot): \(error)")
        }
        // Before any file is taken: both folders must accept new files.
        for (key, folder) in [("state_dir", config.daemon.stateDir), ("dataset_root", config.daemon.datasetRoot)] {
            do {
                try DurableFile.checkWritable(folder)
            } catch {
                throw DaemonError(description: "\(key) \(Configuration.absolutePath(folder)) is not writable: \(error)")
            }
        }
        // One daemon per state_dir: two would race each other for the same inbox files.
        let lockPath = "\(config.daemon.stateDir)/daemon.lock"
        guard let lock = try FileLock.tryAcquire(lockPath) else {
            throw DaemonError(description: "another augmentd is already running on state_dir \(config.daemon.stateDir) "
                              + "(\(lockPath) is locked)")
        }
        instanceLock = lock
        ledger = try Self.openLedger(config, version: version)
        queue = WorkQueue(pickWindow: config.ledger.isPostgreSQL ? 16 : 1)
        intakes = IntakeTable(version: version)
        intakes.install(config, ledger: ledger)
        service = ServiceNotifier(environment: environment, log: log)
        retrain = RetrainScheduler(ledger: ledger, log: log)
        retrain.configure(config)
        balance = BalanceScheduler(ledger: ledger, workers: config.daemon.workers > 0 ? config.daemon.workers
                                       : ProcessInfo.processInfo.activeProcessorCount, log: log)
        balance.configure(config)
        // With a shared (PostgreSQL) ledger, daemons may share inboxes: claims in the database decide.
        for inbox in intakes.inboxes where !config.ledger.isPostgreSQL {
            if let problem = lockInbox(inbox) { throw DaemonError(description: problem) }
        }
    }

    /// Runs until a stop signal; returns the exit status.
    public func run() throws -> Int32 {
        ProcessSignals.install(reload: true)
        try repair()
        let pool = WorkerPool(queue: queue, intakes: intakes, counters: counters, ledger: ledger,
                              maxPixels: config.daemon.maxPixels, log: log, onLedgerDamage: ledgerDamage.report)
        pool.start(count: workerCount)
        let watcher = try InboxWatcher(inboxes: intakes.inboxes.map(InboxSpec.init(path:)))
        // The catch-up scan feeds the workers as it goes; a long one keeps asking systemd for time.
        try watcher.start { event in
            handle(event)
            service.extendStartTimeout(now: MonotonicClock.now)
        }
        findNetworkInboxes()
        logSymlinkedInboxes()
        log("augmentd: watching \(intakes.inboxes.count) inbox\(intakes.inboxes.count == 1 ? "" : "es"), "
            + "\(workerCount) worker\(workerCount == 1 ? "" : "s"), dataset \(Configuration.absolutePath(config.daemon.datasetRoot))")
        service.ready(status: statusLine())
        lastRescan = MonotonicClock.now
        // Pings vouch for this loop; they stop when the pool is stuck (judged only when one is due).
        let keepAlive = { [service, pool] (now: Double) in
            service.tick(now: now, workersHealthy: pool.isHealthy(stuckAfter: service.stuckAfter, now: now),
                         status: self.statusLine())
        }

        while !ProcessSignals.isStopRequested {
            // Wake for the earliest retry, so a settled file is not kept waiting for the next tick.
            let untilRetry = queue.nextRetry.map { max(0, $0 - MonotonicClock.now) } ?? 0.2
            var rescanNeeded = false
            try watcher.poll(timeout: Int32(min(0.2, untilRetry) * 1000) + 1) { event in
                if event == .overflow {
                    let count = counters.countOverflow()
                    log("inotify queue overflow (\(count) so far): rescanning every inbox")
                    rescanNeeded = true
                } else {
                    handle(event)
                }
            }
            let now = MonotonicClock.now   // intervals only; a clock set back changes none of them
            if queue.tick(now: now) { rescanNeeded = true }
            var interval = networkInboxes.isEmpty ? config.daemon.rescanInterval : 2
            // Folders without a watch are only seen by rescans: at least one a minute.
            if !watchFailuresLogged.isEmpty { interval = interval > 0 ? min(interval, 60) : 60 }
            if interval > 0 && now - lastRescan >= interval { rescanNeeded = true }
            if rescanNeeded {
                // A rescan of a huge inbox is progress: the main loop keeps pinging the watchdog through it.
                try watcher.rescan { event in
                    handle(event)
                    keepAlive(MonotonicClock.now)
                }
                lastRescan = now
            }
            if ProcessSignals.takeReloadRequest() { reload(watcher) }
            keepAlive(now)
            retrain.tick(monotonicNow: now, wallNow: Date().timeIntervalSince1970)
            let work = queue.counts
            balance.tick(monotonicNow: now, added: counters.snapshot.added,
                         idle: work.ready == 0 && work.inFlight == 0 && work.later == 0)
            writeMetricsIfDue(now: now)
            checkLedgerFile(now: now)
            finishOrphanedClaims(now: now)
        }
        log("augmentd: stopping: finishing work in flight")
        service.stopping()
        queue.stop()
        retrain.stop()
        balance.stop()
        while queue.counts.inFlight > 0 { Thread.sleep(forTimeInterval: 0.05) }
        writeMetricsIfDue(now: MonotonicClock.now, force: true)
        ledger.stop()
        for line in (try? ledger.upkeep()) ?? [] { log(line) }   // what the last moments left to say
        log("augmentd: stopped")
        return ledgerDamage.isSet ? DaemonError.ledgerNeedsAttention : 0
    }

    /// The ledger file deleted (or replaced) under the daemon: SQLite would go on writing to the
    /// deleted file and everything since the start would be lost with it. It is written back from
    /// the open connection at once; if that fails the daemon stops (exit 78) before taking more files.
    private func checkLedgerFile(now: Double) {
        guard now - lastLedgerCheck >= 1 else { return }
        lastLedgerCheck = now
        do {
            for line in try ledger.upkeep() { log(line) }
        } catch {
            ledgerDamage.report("the ledger file was deleted while running and cannot be written back: \(error)")
        }
    }

    /// A configured inbox that is a symlink is watched at its target (inotify does not follow it).
    private func logSymlinkedInboxes() {
        for watch in config.watches {
            let configured = Configuration.absolutePath(watch.inbox)
            let real = Configuration.inboxPath(watch.inbox)
            if configured != real { log("inbox \(configured) is a symlink: watching \(real)") }
        }
    }

    var workerCount: Int {
        config.daemon.workers > 0 ? config.daemon.workers : ProcessInfo.processInfo.activeProcessorCount
    }

    private func handle(_ event: WatchEvent) {
        switch event {
        case .candidate(_, let path):
            queue.add(path)
        case .inboxLost(let inbox):
            log("inbox \(inbox) disappeared: waiting for it to come back")
        case .inboxRestored(let inbox):
            log("inbox \(inbox) is back: scanned")
            inboxLocks.removeValue(forKey: inbox)?.release()   // the claim named the old folder
            if let problem = lockInbox(inbox) { log(problem) }
        case .watchFailed(_, let folder, let reason):
            if watchFailuresLogged.insert(folder).inserted {
                log("cannot watch \(folder): \(reason); its files are found by a rescan at least once a minute instead")
            }
        case .renamed(_, let from, let to):
            log("renamed \(from) to \(to): the name was not valid UTF-8 (each bad byte is now %XX)")
        case .unrenamable(_, let path, let reason):
            // Once per path and run: every rescan finds the file again.
            guard unrenamableLogged.insert(path).inserted else { return }
            log("cannot take \(path): its name is not valid UTF-8 and it cannot be renamed: \(reason)")
        case .hiddenFolder(_, let path):
            if hiddenFoldersLogged.insert(path).inserted {
                log("ignoring \(path): names starting with a dot are hidden and never taken (rename the folder to take its files)")
            }
        case .pathTooLong(let inbox, let path):
            guard tooLongPathsLogged.insert(path).inserted else { return }
            let reason = "the path is \(path.utf8.count) bytes, longer than Linux takes (\(InboxWatcher.maxPathBytes)): "
                + "nothing at or below it can be opened; move it to a shorter path"
            log("cannot take \(path): \(reason)")
            try? ledger.record(.failed, inbox: inbox, path: path, hash: nil,
                               label: intakes.intake(for: path).flatMap { try? $0.label(of: path).get() },
                               reason: reason, failureClass: .pathTooLong, now: Date().timeIntervalSince1970)
        case .overflow:
            break
        }
    }

    private func findNetworkInboxes() {
        networkInboxes = intakes.inboxes.filter { (try? FileSystemKind.networkName(of: $0)) != nil }
        for inbox in networkInboxes { log("inbox \(inbox) is on a network filesystem: polled every 2 s") }
    }

    /// SIGHUP: re-read and validate the file; a bad one is refused and the running configuration
    /// stays. Inboxes added are watched and scanned, inboxes removed are let go; profiles and
    /// limits apply to files taken from now on.
    private func reload(_ watcher: InboxWatcher) {
        service.reloading()
        log("reload: reading \(configPath)")
        defer { service.ready(status: statusLine()) }
        let next: Configuration
        do {
            next = try Configuration.load(configPath)
        } catch {
            log("reload refused, the running configuration stays: \(error)")
            return
        }
        if let problem = Self.restartOnlyChange(from: config, to: next) {
            log("reload refused, the running configuration stays: \(problem)")
            return
        }
        if next.daemon.workers != config.daemon.workers {
            log("reload: workers = \(next.daemon.workers) takes effect at the next start")
        }
        let before = Set(intakes.inboxes)
        intakes.install(next, ledger: ledger)
        let after = Set(intakes.inboxes)
        for inbox in before.subtracting(after).sorted() {
            watcher.remove(inbox: InboxSpec(path: inbox))
            inboxLocks.removeValue(forKey: inbox)?.release()
            log("reload: no longer watching \(inbox)")
        }
        for inbox in after.subtracting(before).sorted() {
            if let problem = lockInbox(inbox) {
                log("reload: not watching \(inbox): \(problem)")
                continue
            }
            do {
                try watcher.add(inbox: InboxSpec(path: inbox)) { handle($0) }
                log("reload: watching \(inbox)")
            } catch {
                log("reload: cannot watch \(inbox): \(error)")
            }
        }
        var kept = next
        kept.daemon.workers = config.daemon.workers
        config = kept
        retrain.configure(config)
        balance.configure(config)
        findNetworkInboxes()
        log("reload: done (\(after.count) inbox\(after.count == 1 ? "" : "es"))")
    }

    /// Claims the inbox for this daemon; returns the problem when another daemon on this host
    /// holds it. The claim is named by the folder's device and inode, so a symlink or a bind
    /// mount of the same folder is the same inbox.
    private func lockInbox(_ inbox: String) -> String? {
        var info = stat()
        guard stat(inbox, &info) == 0 else { return nil }   // a missing inbox is claimed when it appears
        do {
            guard let claim = try AbstractSocketClaim.tryClaim("augmentd-inbox-\(info.st_dev)-\(info.st_ino)") else {
                return "inbox \(inbox) is watched by another augmentd on this host: two daemons on one inbox "
                    + "would race for its files with two ledgers; give each daemon its own inbox"
            }
            inboxLocks[inbox] = claim
        } catch {
            log("inbox \(inbox): cannot claim it (\(error)); a second daemon on this inbox would not be detected")
        }
        return nil
    }

    /// Settings a running daemon cannot change: where the dataset and the ledger are.
    static func restartOnlyChange(from old: Configuration, to new: Configuration) -> String? {
        if old.daemon.datasetRoot != new.daemon.datasetRoot {
            return "dataset_root cannot change while running (restart augmentd to move the dataset)"
        }
        if old.daemon.stateDir != new.daemon.stateDir {
            return "state_dir cannot change while running (restart augmentd to move the ledger)"
        }
        if old.ledger != new.ledger || old.daemon.nodeName != new.daemon.nodeName {
            return "[ledger] and node_name cannot change while running (restart augmentd to use another ledger)"
        }
        return nil
    }

    /// The STATUS= line systemd shows in `systemctl status`.
    private func statusLine() -> String {
        let c = counters.snapshot
        let q = queue.counts
        var text = "added \(c.added), duplicates \(c.duplicates), failed \(c.failed) since start; "
            + "pending \(q.ready + q.inFlight + q.later)"
        if !c.lastFile.isEmpty { text += "; last \((c.lastFile as NSString).lastPathComponent)" }
        if !retrain.waitingReason.isEmpty { text += "; retrain waits: \(retrain.waitingReason)" }
        return text
    }

    private func writeMetricsIfDue(now: Double, force: Bool = false) {
        let path = config.daemon.metricsFile
        guard !path.isEmpty, force || now - lastMetrics >= 5 else { return }
        lastMetrics = now
        do {
            var input = MetricsFile.Input(summary: try ledger.summary(), failureClasses: try ledger.failureClasses(),
                                          counters: counters.snapshot, queue: queue.counts, retrainRuns: try ledger.runCounts(),
                                          startTime: startTime, now: Date().timeIntervalSince1970)
            input.node = config.daemon.effectiveNodeName
            input.ledgerKind = config.ledger.isPostgreSQL ? "postgresql" : "sqlite"
            input.nodes = try ledger.nodes()
            try MetricsFile.write(MetricsFile.render(input), to: path)
        } catch {
            log("cannot write the metrics file \(path): \(error)")
        }
    }
}
