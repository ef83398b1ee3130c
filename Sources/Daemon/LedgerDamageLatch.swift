import LinuxSystem
import Synchronization

/// Remembers the first sign, seen by any worker, that the ledger is damaged, and asks the main
/// loop to stop: going on would move files the ledger cannot record.
final class LedgerDamageLatch: Sendable {
    private let firstMessage = Mutex<String?>(nil)
    private let configPath: String
    private let log: @Sendable (String) -> Void

    init(configPath: String, log: @escaping @Sendable (String) -> Void) {
        self.configPath = configPath
        self.log = log
    }

    /// Records the damage (logged once) and requests the stop.
    func report(_ message: String) {
        let isFirst: Bool = firstMessage.withLock { (stored: inout String?) -> Bool in
            guard stored == nil else { return false }
            stored = message
            return true
        }
        guard isFirst else { return }
        log("the ledger is damaged: \(message); stopping. Rebuild it with `augmentd ledger rebuild --config \(configPath)`")
        ProcessSignals.requestStop()
    }

    var isSet: Bool { firstMessage.withLock { (stored: inout String?) -> Bool in stored != nil } }
}
