import ArgumentParser
import Codecs
import Config
import Foundation
import Ingest
import Ledger
import LinuxSystem

/// `augmentd balance --config FILE [--dry-run]`: tops up small labels now, as `[balance]` says.
struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Add variants to labels with fewer train images, as [balance] says, and print each label before → after.",
        discussion: """
            Extra variants continue each original's numbering, drawn from the same seed as its other variants, \
            spread over a label's originals (the least-augmented first) and recorded in the ledger. Nothing is \
            ever deleted; val/ is never touched. One balance run at a time (state_dir/balance.lock). Exit \
            status 0 when every planned variant was written, 1 otherwise.
            """)

    @OptionGroup var configFile: ConfigFileOption

    @Flag(help: "Print the plan and write nothing.")
    var dryRun = false

    @Option(help: "Parallel workers (default: one per core).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let configuration = try CLIErrors.loadConfiguration(configFile.config, checkPaths: false)
        guard let settings = configuration.balance else {
            throw CLIErrors.Failure(description: "\(configuration.file): balance: no [balance] section; add one (target = \"largest\")")
        }
        let ledger = try CLIErrors.openLedger(configuration, command: "balance")
        defer { ledger.stop() }
        let lockPath = "\(configuration.daemon.stateDir)/balance.lock"
        let lock: FileLock?
        do {
            lock = try FileLock.tryAcquire(lockPath)
        } catch {
            throw CLIErrors.Failure(description: "\(lockPath): \(error)")
        }
        guard let lock else {
            throw CLIErrors.Failure(description: "another balance run holds \(lockPath); try later")
        }
        defer { lock.release() }

        func candidates() throws -> [BalanceCandidate] {
            do {
                return try ledger.balanceCandidates()
            } catch {
                throw CLIErrors.ledgerFailure(error, configuration)
            }
        }
        let plan = BalancePlan.make(try candidates(), settings: settings)
        var table = TextTable(header: ["label", "train before", dryRun ? "would be" : "after", "target"])
        var failures = [Balancer.Failure]()
        if !dryRun && plan.variantCount > 0 {
            ProcessSignals.install(reload: false)
            let balancer = Balancer(ledger: ledger, layout: DatasetLayout(root: configuration.daemon.datasetRoot),
                                    limits: DecodeLimits(maxPixels: configuration.daemon.maxPixels),
                                    profiles: configuration.profiles, workers: workers)
            let result = balancer.run(plan, shouldStop: { ProcessSignals.isStopRequested })
            failures = result.failures
            for failure in failures { LogSink.standardError("augmentd: balance: \(failure.original): \(failure.reason)") }
        }
        // After a real run the counts come from the ledger: what was actually recorded.
        let shown = dryRun ? plan : BalancePlan.make(try candidates(), settings: settings)
        for (label, now) in zip(plan.labels, shown.labels) {
            table.add([label.name, "\(label.before)", "\(dryRun ? label.after : now.before)", "\(label.target)"])
        }
        print(table.rendered, terminator: "")
        let added = shown.labels.reduce(0) { $0 + $1.before } - plan.labels.reduce(0) { $0 + $1.before }
        print(dryRun ? "would add \(plan.variantCount) variants" : "added \(added) variants")
        if !failures.isEmpty || (!dryRun && ProcessSignals.isStopRequested) { throw ExitCode(1) }
    }
}
