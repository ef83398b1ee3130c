import ArgumentParser
import Config
import Foundation
import Ledger
import Retrain
import LinuxSystem

/// `augmentd retrain --config FILE [--now] [--dry-run]`: the retraining command under the same
/// lock and the same records as the daemon's trigger.
struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Run the [retrain] command on what is new, under the daemon's lock.",
        discussion: """
            Without --now the trigger policy decides (as the daemon would) and the reason is printed when it \
            says no. Exit status: 0 when the run succeeded or none was due, 1 when it failed, timed out or was \
            interrupted, 75 when another run holds the lock.
            """)

    @OptionGroup var configFile: ConfigFileOption

    @Flag(help: "Run now, whatever the trigger policy says (still one run at a time).")
    var now = false

    @Flag(help: "Print the manifest a run would get, and run nothing.")
    var dryRun = false

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config, checkPaths: false)
        guard let settings = configuration.retrain else {
            throw CLIErrors.Failure(description: "\(configuration.file): retrain: no [retrain] section; add one with a command")
        }
        do {
            try DurableFile.makeFolders(configuration.daemon.stateDir)
        } catch {
            throw CLIErrors.Failure(description: "state_dir \(configuration.daemon.stateDir): \(error)")
        }
        let ledger = try CLIErrors.openLedger(configuration, command: "retrain")
        defer { ledger.stop() }
        let runner = RetrainRunner(settings: settings, datasetRoot: configuration.daemon.datasetRoot,
                                   stateDir: configuration.daemon.stateDir, ledger: ledger,
                                   log: LogSink.standardError)
        if dryRun {
            let (manifest, _) = try runner.manifest(runID: "dry-run", now: Date().timeIntervalSince1970)
            FileHandle.standardOutput.write(Data(try manifest.json()))
            return
        }
        if !now {
            let decision = RetrainPolicy(settings: settings).decide(try ledger.retrainState(),
                                                                    runInFlight: runner.isRunInFlight(),
                                                                    now: Date().timeIntervalSince1970)
            if case .wait(let reason, _) = decision {
                print("no run due: \(reason)")
                return
            }
        }
        // Ctrl-C or SIGTERM ends the trainer's whole process group and records the run as interrupted.
        ProcessSignals.install(reload: false)
        switch runner.run(trigger: now ? "manual" : "policy") {
        case .busy:
            LogSink.standardError("augmentd: a retrain run is in progress (\(runner.lockPath) is locked); try later")
            throw ExitCode(75)
        case .notStarted(let why):
            throw CLIErrors.Failure(description: "retrain not started: \(why)")
        case .nothingNew:
            print("no run due: another run took every new original")
        case .finished(let id, let result, let originals):
            print("\(id): \(result.rawValue) (\(originals) new originals)")
            if result != .succeeded { throw ExitCode(1) }
        }
    }
}
