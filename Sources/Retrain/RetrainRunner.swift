import Config
import Foundation
import Ledger
import LinuxSystem

/// Runs the retraining command once, under the lock in state_dir that keeps it to one run at a
/// time across processes: writes the manifest, records the run, starts `command` in a process
/// group of its own with its output in `state_dir/retrain/<run-id>.log`, ends the whole group at
/// the timeout (or when asked to stop), and records the result. Exit 0 marks the manifest's
/// originals trained; anything else leaves them for the next run.
public final class RetrainRunner: Sendable {
    public let settings: RetrainSettings
    let datasetRoot: String
    let stateDir: String
    let ledger: any RetrainLedger
    let log: @Sendable (String) -> Void


    public init(settings: RetrainSettings, datasetRoot: String, stateDir: String, ledger: any RetrainLedger,
                log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.datasetRoot = datasetRoot
        self.stateDir = stateDir
        self.ledger = ledger
        self.log = log
    }

    public var lockPath: String { "\(stateDir)/retrain.lock" }
    var runFolder: String { "\(stateDir)/retrain" }

    /// Whether a run holds the lock now, in this process or another (an `augmentd retrain --now`,
    /// or a trainer left running by a daemon that died).
    public func isRunInFlight() -> Bool {
        guard let lock = try? FileLock.tryAcquire(lockPath) else { return true }
        lock.release()
        return false
    }

    public enum Outcome: Equatable, Sendable {
        case busy
        case finished(id: String, result: RetrainResult, originals: Int)
        case notStarted(String)
        /// The policy wanted a run, but under the lock no original was left untrained: another
        /// node's run, ending between the decision and the lock, took them.
        case nothingNew
    }

    /// The manifest a run started now would get, and the originals it lists.
    /// The variants it lists are `originals`' and `extras`' (balancing's, of originals trained before).
    public func manifest(runID: String, now: Double) throws -> (Manifest, [UntrainedOriginal]) {
        let (manifest, originals, _) = try manifestWithExtras(runID: runID, now: now)
        return (manifest, originals)
    }

    func manifestWithExtras(runID: String, now: Double) throws -> (Manifest, [UntrainedOriginal], [UntrainedOriginal]) {
        let originals = try ledger.untrainedOriginals()
        let extras = try ledger.untrainedVariantsOfTrainedOriginals()
        let manifest = Manifest(runID: runID, createdAt: now, datasetRoot: Configuration.absolutePath(datasetRoot),
                                originals: originals, totals: try ledger.labelTotals(),
                                extraVariants: extras)
        return (manifest, originals, extras)
    }

    public static func newRunID(now: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: now)) + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// One run, start to end (blocks until the command and its process group are gone).
    public func run(trigger: String) -> Outcome {
        let lock: FileLock
        do {
            guard let acquired = try FileLock.tryAcquire(lockPath) else { return .busy }
            lock = acquired
        } catch {
            return .notStarted("cannot take the retrain lock \(lockPath): \(error)")
        }
        defer { lock.release() }
        do {
            // Under the lock, a run still recorded as running belongs to a process that is gone.
            for stale in try ledger.runningRuns() {
                try ledger.finishRun(id: stale.id, result: .interrupted, exitCode: nil, signal: nil,
                                     endedAt: Date().timeIntervalSince1970)
                log("retrain \(stale.id): recorded as interrupted (its process ended without augmentd seeing it)")
            }
            let now = Date().timeIntervalSince1970
            let runID = Self.newRunID(now: now)
            try DurableFile.makeFolders(runFolder)
            let (manifest, originals, extras) = try manifestWithExtras(runID: runID, now: now)
            if trigger == "policy" && originals.isEmpty { return .nothingNew }
            let manifestPath = Configuration.absolutePath("\(runFolder)/\(runID).manifest.json")
            let logPath = Configuration.absolutePath("\(runFolder)/\(runID).log")
            try DurableFile.write(try manifest.json(), to: manifestPath)
            // Exactly the variants listed: one written while the run is in flight waits for the next.
            let variantKeys = (originals + extras).flatMap { o in o.variants.map { (originalID: o.id, k: $0.index) } }
            do {
                try ledger.startRun(id: runID, trigger: trigger, startedAt: now, originalIDs: originals.map(\.id),
                                    variants: manifest.newVariants, variantKeys: variantKeys, logPath: logPath,
                                    manifestPath: manifestPath)
            } catch {
                // Several hosts: another node's run is in progress (the database allows one).
                try? FileMoves.remove(manifestPath)
                if error.heldBy != nil { return .busy }
                throw error
            }
            let result = execute(runID: runID, manifest: manifest, manifestPath: manifestPath, logPath: logPath,
                                 lock: lock)
            try ledger.finishRun(id: runID, result: result.result, exitCode: result.exitCode, signal: result.signal,
                                 endedAt: Date().timeIntervalSince1970)
            pruneOldRuns()
            return .finished(id: runID, result: result.result, originals: originals.count)
        } catch {
            return .notStarted("\(error)")
        }
    }

    /// Logs and manifests of the newest runs kept in `state_dir/retrain` (the ledger keeps every run's record).
    public static let keptRuns = 100

    /// Deletes the log and manifest of runs older than the newest `keptRuns` (run ids sort by time).
    func pruneOldRuns() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: runFolder) else { return }
        let runs = Set(names.filter { !$0.hasPrefix(".") }.map { $0.components(separatedBy: ".").first ?? $0 }).sorted()
        for old in runs.dropLast(Self.keptRuns) {
            for suffix in [".log", ".manifest.json"] { try? FileMoves.remove("\(runFolder)/\(old)\(suffix)") }
        }
    }

    struct Ending {
        var result: RetrainResult
        var exitCode: Int32?
        var signal: Int32?
    }

    private func execute(runID: String, manifest: Manifest, manifestPath: String, logPath: String,
                         lock: FileLock) -> Ending {
        var environment = ProcessInfo.processInfo.environment
        // systemd's notify and watchdog variables are the daemon's, not the trainer's.
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment.removeValue(forKey: name) }
        environment["AUGMENTD_DATASET"] = manifest.datasetRoot
        environment["AUGMENTD_MANIFEST"] = manifestPath
        environment["AUGMENTD_RUN_ID"] = runID
        environment["AUGMENTD_NEW_ORIGINALS"] = String(manifest.newOriginals)
        let group: ProcessGroup
        do {
            // The trainer holds the lock too: if augmentd dies, no second run starts before it ends.
            group = try ProcessGroup(arguments: settings.command, environment: environment,
                                     directory: FileManager.default.currentDirectoryPath, output: logPath,
                                     inheriting: [lock.descriptor])
        } catch {
            log("retrain \(runID): cannot start \(settings.command[0]): \(error)")
            return Ending(result: .failed, exitCode: 127, signal: nil)
        }
        try? ledger.setRunProcessGroup(id: runID, processGroup: group.groupID)
        log("retrain \(runID): started \(settings.command.joined(separator: " ")) (process group \(group.groupID)) "
            + "with \(manifest.newOriginals) new originals; log \(logPath)")
        let started = Date().timeIntervalSince1970
        var ending: RetrainResult?       // set when we end the run ourselves
        var terminatedAt: Double?
        var exit: ProcessGroup.Exit?
        // Until the leader has exited and no process of its group is left.
        while exit == nil || group.groupIsAlive {
            if exit == nil {
                do {
                    exit = try group.poll()
                } catch {
                    // Only ECHILD is possible: the leader was reaped elsewhere and its status is lost.
                    log("retrain \(runID): cannot wait for the command: \(error)")
                    exit = .lost
                }
            }
            let now = Date().timeIntervalSince1970
            if terminatedAt == nil {
                // SIGTERM/SIGINT (daemon shutdown, Ctrl-C on `retrain --now`) ends the run as interrupted.
                if ProcessSignals.isStopRequested {
                    ending = .interrupted
                } else if now - started >= settings.timeout {
                    ending = .timedOut
                } else if exit != nil && group.groupIsAlive {
                    log("retrain \(runID): the command exited but left processes in its group: ending them")
                }
                if ending != nil || (exit != nil && group.groupIsAlive) {
                    group.terminateGroup()
                    terminatedAt = now
                }
            } else if let terminatedAt, now - terminatedAt >= settings.stopGrace {
                group.killGroup()
            }
            if exit != nil && !group.groupIsAlive { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let duration = Int(Date().timeIntervalSince1970 - started)
        switch (ending, exit) {
        case (.some(let result), let exit):
            log("retrain \(runID): \(result == .timedOut ? "timed out after \(Int(settings.timeout)) s" : "interrupted"); "
                + "its process group was ended")
            return Ending(result: result, exitCode: exit.flatMap { if case .exited(let c) = $0 { c } else { nil } },
                          signal: exit.flatMap { if case .signaled(let s) = $0 { s } else { nil } })
        case (nil, .exited(0)?):
            log("retrain \(runID): succeeded in \(duration) s; \(manifest.newOriginals) originals marked trained")
            return Ending(result: .succeeded, exitCode: 0, signal: nil)
        case (nil, .exited(let code)?):
            log("retrain \(runID): failed with exit status \(code) after \(duration) s; its files stay pending (log \(logPath))")
            return Ending(result: .failed, exitCode: code, signal: nil)
        case (nil, .signaled(let number)?):
            log("retrain \(runID): killed by signal \(number) after \(duration) s; its files stay pending (log \(logPath))")
            return Ending(result: .failed, exitCode: nil, signal: number)
        case (nil, .lost?), (nil, nil):
            return Ending(result: .failed, exitCode: nil, signal: nil)
        }
    }
}
