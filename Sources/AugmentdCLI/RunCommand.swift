import ArgumentParser
import Config
import Daemon
import Foundation
import LinuxSystem

/// `augmentd run --config FILE`: the daemon, in the foreground (systemd runs this).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch the inboxes and grow the dataset (foreground; SIGTERM or Ctrl-C stops it cleanly).")

    @OptionGroup var configFile: ConfigFileOption

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config)
        let runner: DaemonRunner
        do {
            runner = try DaemonRunner(config: configuration, version: AugmentdVersion.string,
                                      log: LogSink.standardError)
        } catch let error as DaemonError {
            LogSink.standardError("augmentd: \(error.description)")
            throw ExitCode(error.exitStatus)
        } catch {
            throw CLIErrors.Failure(description: "\(error)")
        }
        let status = try runner.run()
        if status != 0 { throw ExitCode(status) }
    }
}
