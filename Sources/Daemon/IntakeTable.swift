import Codecs
import Config
import Foundation
import Ingest
import Ledger
import Synchronization

/// The inboxes being served and the intake (profile, label rule, limits) of each. Workers look
/// paths up here; a reload swaps the whole table, so a file already being processed finishes
/// with the settings it started with and new files get the new ones.
final class IntakeTable: Sendable {
    private let table = Mutex<[String: FileIntake]>([:])
    private let inFlight = InFlightHashes()
    let version: String

    init(version: String) { self.version = version }

    /// Builds one intake per `[[watch]]` of `config` and makes them current.
    func install(_ config: Configuration, ledger: any IntakeLedger) {
        var intakes = [String: FileIntake]()
        for watch in config.watches {
            var resolved = watch
            resolved.inbox = Configuration.inboxPath(watch.inbox)
            var intake = FileIntake(inbox: resolved, profileName: watch.profile, profile: config.profiles[watch.profile]!,
                                    layout: DatasetLayout(root: config.daemon.datasetRoot),
                                    limits: DecodeLimits(maxPixels: config.daemon.maxPixels), ledger: ledger)
            intake.version = "augmentd \(version)"
            intake.inFlight = inFlight
            intakes[resolved.inbox] = intake
        }
        table.withLock { $0 = intakes }
    }

    /// The intake responsible for a path below one of the inboxes.
    func intake(for path: String) -> FileIntake? {
        table.withLock { intakes in intakes.first { path.hasPrefix($0.key + "/") }?.value }
    }

    func intake(inbox: String) -> FileIntake? { table.withLock { $0[inbox] } }

    var inboxes: [String] { table.withLock { $0.keys.sorted() } }

    var any: FileIntake? { table.withLock { $0.values.first } }
}
