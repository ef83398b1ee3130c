import Foundation
import Testing
import TestSupport

/// Issue 10's faults in the dataset and the ledger, on the release binary: a full or read-only
/// dataset, an unwritable one at start, a damaged, truncated or deleted ledger, a symlinked inbox.
extension DaemonTests {
    /// The row of `status --json` for one label.
    static func statusRow(_ config: URL, _ dir: TemporaryDirectory, label: String) throws -> [String: Any]? {
        let output = try AugmentdBinary.run(["status", "--config", config.path, "--json"], currentDirectory: dir.url)
        let report = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let labels = report?["labels"] as? [[String: Any]] ?? []
        return labels.first { $0["label"] as? String == label }
    }

    /// Starting up, the daemon removes the temp files a crashed writer of this host left in the
    /// dataset, and leaves alone those written on another host (several daemons sharing the
    /// dataset over NFS: that writer may be at work right now, and its process is not visible here).
    @Test func repairRemovesDeadWritersTempFilesButNotAnotherHosts() throws {
        let dir = try TemporaryDirectory("daemon-temp-owners")
        let config = try Self.config(dir, variants: 1, extra: "")
        let folder = dir.file("dataset/train/cats")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let deadPID = gone.processIdentifier
        let local = folder.appendingPathComponent(".f1-0a1b2c3d.png.tmp-\(deadPID)-17")        // this host, before host tags
        let remote = folder.appendingPathComponent(".f2-4e5f6a7b.png.tmp-\(deadPID)-18@00000000")  // another host's tag
        for temp in [local, remote] { try Data([1, 2, 3]).write(to: temp) }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: local.path), "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: remote.path), "\(daemon.log)")
        #expect(daemon.log.contains("repair: removed 1 unfinished temp file,"), "\(daemon.log)")
    }

    /// `status` counts every file waiting in an inbox, a name that is not UTF-8 included (the
    /// daemon renames it when it runs); dot-files are not waiting.
    @Test func statusCountsWaitingFilesWhateverTheirNames() throws {
        let dir = try TemporaryDirectory("status-odd-names")
        let config = try Self.config(dir, variants: 1, extra: "")
        let cats = dir.file("inbox/cats")
        try FileManager.default.createDirectory(at: cats, withIntermediateDirectories: true)
        try Data(Self.png(61)).write(to: cats.appendingPathComponent("plain.png"))
        try Data(Self.png(62)).write(to: cats.appendingPathComponent(".partial.png"))
        let rawName = Array(cats.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".png".utf8) + [0]
        let fd = rawName.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)
        let row = try Self.statusRow(config, dir, label: "cats")
        #expect(row?["waiting_in_inbox"] as? Int == 2, "\(String(describing: row))")
    }

    /// Disk full half-way through an original's variants: the ones written are taken back (a
    /// loader never sees variants without their original), the file stays in the inbox, counted
    /// once and shown as blocked with the folder and the reason, and is taken once space returns,
    /// by the backoff retry (the rescan is an hour away).
    @Test func aFullDatasetTakesBackItsVariantsAndRetriesWhenSpaceReturns() throws {
        let dir = try TemporaryDirectory("daemon-enospc")
        let config = try Self.config(dir, variants: 4, extra: "")
        try Self.setRescanInterval(config, "1h")
        guard let mount = TmpfsMount(at: dir.file("dataset"), sizeKiB: 256) else { return }   // not root: skip
        defer { withExtendedLifetime(mount) {} }
        try FileManager.default.createDirectory(at: dir.file("dataset/train/cats"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        mount.fill(leavingPages: 1)   // room for one variant, not for the second
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try Data(Self.png(31)).write(to: dir.file("inbox/cats/a.png"))

        #expect(eventually { daemon.log.contains("cannot take") }, "\(daemon.log)")
        let folder = dir.file("dataset/train/cats").path
        #expect(daemon.log.contains("cannot write \(folder): No space left on device"), "\(daemon.log)")
        #expect(Self.visibleFiles(dir.file("dataset/train/cats")).isEmpty, "variants without their original are visible")
        #expect(Self.waiting(dir.file("inbox")) == ["cats/a.png"])
        let row = try Self.statusRow(config, dir, label: "cats")
        #expect(row?["blocked"] as? Int == 1 && row?["waiting_in_inbox"] as? Int == 1 && row?["processing"] as? Int == 0,
                "counted once, as waiting and blocked: \(row ?? [:])")
        #expect((row?["blocked_reason"] as? String)?.contains("No space left on device") == true, "\(row ?? [:])")
        #expect(row?["failed"] as? Int == 0)

        mount.freeBallast()
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "not retried after space returned: \(daemon.log)")
        let names = Self.visibleFiles(dir.file("dataset/train/cats"))
        #expect(names.count == 5, "\(names)")
        #expect(try Self.statusRow(config, dir, label: "cats")?["blocked"] as? Int == 0)
        #expect(daemon.stop(SIGTERM) == 0)
    }

    /// A dataset remounted read-only while running blocks files (EROFS, named), and they are taken
    /// when it is writable again.
    @Test func aReadOnlyDatasetBlocksFilesUntilItIsWritableAgain() throws {
        let dir = try TemporaryDirectory("daemon-erofs")
        let config = try Self.config(dir, variants: 1)
        try Self.setRescanInterval(config, "1h")
        guard let mount = TmpfsMount(at: dir.file("dataset"), sizeKiB: 4096) else { return }
        defer { withExtendedLifetime(mount) {} }
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        #expect(mount.remount(readOnly: true))
        try Data(Self.png(32)).write(to: dir.file("inbox/cats/b.png"))
        #expect(eventually { daemon.log.contains("Read-only file system") }, "\(daemon.log)")
        #expect(daemon.log.contains("cannot write \(dir.file("dataset").path)"), "\(daemon.log)")
        #expect(Self.waiting(dir.file("inbox")) == ["cats/b.png"])
        #expect(mount.remount(readOnly: false))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(treeContents(dir.file("dataset"))["train/cats/b-\(Self.h8(32)).png"] == Data(Self.png(32)))
        #expect(daemon.stop(SIGTERM) == 0)
    }

    /// An unwritable dataset_root is a clear error before any file is taken.
    @Test func anUnwritableDatasetRootIsRefusedAtStart() throws {
        let dir = try TemporaryDirectory("daemon-ro-start")
        let config = try Self.config(dir, variants: 1)
        guard let mount = TmpfsMount(at: dir.file("dataset"), sizeKiB: 1024) else { return }
        defer { withExtendedLifetime(mount) {} }
        #expect(mount.remount(readOnly: true))
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try Data(Self.png(33)).write(to: dir.file("inbox/cats/c.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        let status = daemon.stop(0)   // signal 0: only waits for the exit
        #expect(status != 0)
        #expect(daemon.log.contains("dataset_root \(dir.file("dataset").path) is not writable"), "\(daemon.log)")
        #expect(daemon.log.contains("Read-only file system"), "\(daemon.log)")
        #expect(Self.waiting(dir.file("inbox")) == ["cats/c.png"], "a file was taken")
    }

    /// Garbage in the middle of the ledger: the daemon stops at once (exit 78, so systemd does not
    /// loop) naming the file and `ledger rebuild`; the rebuild keeps the damaged file and knows
    /// every original again, so the same bytes are a duplicate, not a second copy.
    @Test func aDamagedLedgerStopsTheDaemonAndRebuildRestoresIt() throws {
        let dir = try TemporaryDirectory("daemon-damaged-ledger")
        let config = try Self.config(dir, variants: 2)
        try Self.addFilesAndStop(dir, config, seeds: [41, 42, 43])
        let ledger = dir.file("state/ledger.sqlite")
        let handle = try FileHandle(forWritingTo: ledger)
        let size = try handle.seekToEnd()
        #expect(size > 4096)
        try handle.seek(toOffset: 4096)   // past the header: pages of the schema and the rows
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try handle.close()

        let damaged = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(damaged.stop(0) == 78, "\(damaged.log)")
        #expect(damaged.log.contains("the ledger \(ledger.path) is damaged"), "\(damaged.log)")
        #expect(damaged.log.contains("augmentd ledger rebuild --config \(config.path)"), "\(damaged.log)")

        // status names the damage and the way out too.
        let damagedStatus = try AugmentdBinary.run(["status", "--config", config.path], currentDirectory: dir.url)
        #expect(damagedStatus.status != 0)
        #expect(damagedStatus.stderr.contains("is damaged") && damagedStatus.stderr.contains("augmentd ledger rebuild"),
                "\(damagedStatus.stderr)")

        let rebuild = try AugmentdBinary.run(["ledger", "rebuild", "--config", config.path], currentDirectory: dir.url)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.contains("3 originals, 6 variants"), "\(rebuild.stdout)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.file("state").path)
            .filter { $0.hasPrefix("ledger.sqlite.replaced-") }
        #expect(!kept.isEmpty, "the damaged ledger was not kept")

        let before = treeContents(dir.file("dataset"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log3.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try Data(Self.png(42)).write(to: dir.file("inbox/cats/again.png"))
        #expect(eventually { daemon.log.contains("duplicate") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        #expect(treeContents(dir.file("dataset")) == before, "the same bytes were added again")
        let status = try AugmentdBinary.run(["status", "--config", config.path], currentDirectory: dir.url)
        #expect(status.stdout.contains("ledger rebuilt from the dataset"), "\(status.stdout)")
        #expect(try Self.statusRow(config, dir, label: "cats")?["originals"] as? Int == 3)
    }

    /// A ledger cut short is damage too: exit 78 with the way out, never a restart loop.
    @Test func aTruncatedLedgerStopsTheDaemonWithTheWayOut() throws {
        let dir = try TemporaryDirectory("daemon-truncated-ledger")
        let config = try Self.config(dir, variants: 1)
        try Self.addFilesAndStop(dir, config, seeds: [44, 45])
        let ledger = dir.file("state/ledger.sqlite")
        // The file alone is damaged: a write-ahead log left beside it (a checkpoint the stopping
        // daemon did not get to) could still hold every page cut off, and the ledger be whole.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger.path + suffix) }
        let size = try FileManager.default.attributesOfItem(atPath: ledger.path)[.size] as? Int ?? 0
        #expect(truncate(ledger.path, off_t(size / 2)) == 0)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(daemon.stop(0) == 78, "\(daemon.log)")
        #expect(daemon.log.contains(ledger.path) && daemon.log.contains("augmentd ledger rebuild"), "\(daemon.log)")
    }

    /// A deleted or empty ledger beside a dataset that holds originals is refused (the same bytes
    /// would be added again under new names); the rebuild brings it back.
    @Test func aMissingLedgerBesideADatasetIsRefused() throws {
        let dir = try TemporaryDirectory("daemon-missing-ledger")
        let config = try Self.config(dir, variants: 1)
        try Self.addFilesAndStop(dir, config, seeds: [46])
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.file("state/ledger.sqlite").path + suffix) }
        let refused = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(refused.stop(0) == 78, "\(refused.log)")
        #expect(refused.log.contains("is missing") && refused.log.contains("augmentd ledger rebuild --config"), "\(refused.log)")
        // An empty file in its place (a copy without its write-ahead log, a `touch`) knows nothing either.
        #expect(FileManager.default.createFile(atPath: dir.file("state/ledger.sqlite").path, contents: Data()))
        let empty = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log-empty.txt"))
        #expect(empty.stop(0) == 78, "\(empty.log)")
        #expect(empty.log.contains("records no originals") && empty.log.contains("augmentd ledger rebuild --config"), "\(empty.log)")
        let rebuild = try AugmentdBinary.run(["ledger", "rebuild", "--config", config.path], currentDirectory: dir.url)
        #expect(rebuild.status == 0 && rebuild.stdout.contains("1 originals"), "\(rebuild.stdout)\(rebuild.stderr)")
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log3.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
    }

    /// `inbox = "/srv/inbox"` where that path is a symlink: watched at its target, and logged.
    @Test func aSymlinkedInboxIsWatchedAtItsTarget() throws {
        let dir = try TemporaryDirectory("daemon-symlinked-inbox")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.removeItem(at: dir.file("inbox"))
        try FileManager.default.createDirectory(at: dir.file("real-inbox/cats"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("inbox").path, withDestinationPath: "real-inbox")
        try Data(Self.png(47)).write(to: dir.file("real-inbox/cats/before.png"))
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        #expect(daemon.log.contains("is a symlink: watching \(dir.file("real-inbox").resolvingSymlinksInPath().path)"),
                "\(daemon.log)")
        try Data(Self.png(48)).write(to: dir.file("inbox/cats/after.png"))
        #expect(eventually { Self.waiting(dir.file("real-inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        let tree = treeContents(dir.file("dataset"))
        #expect(tree["train/cats/before-\(Self.h8(47)).png"] == Data(Self.png(47)))
        #expect(tree["train/cats/after-\(Self.h8(48)).png"] == Data(Self.png(48)))
    }

    /// A crash after the variants were written, then the profile is changed: the restart finishes
    /// the original with the profile of its claim, so the tree equals an uninterrupted run's.
    @Test func crashRepairUsesTheProfileTheOriginalWasClaimedWith() throws {
        let reference = try TemporaryDirectory("daemon-profile-reference")
        let referenceConfig = try Self.config(reference, variants: 3)
        try Self.addFilesAndStop(reference, referenceConfig, seeds: [49])

        let dir = try TemporaryDirectory("daemon-profile-crash")
        let config = try Self.config(dir, variants: 3)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let crashing = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"),
                                         environment: ["AUGMENTD_CRASH_AT": "variants-written"])
        #expect(eventually { crashing.log.contains("watching 1 inbox") }, "\(crashing.log)")
        try Data(Self.png(49)).write(to: dir.file("inbox/cats/s49.png"))
        crashing.process.waitUntilExit()
        #expect(crashing.process.terminationReason == .uncaughtSignal && crashing.process.terminationStatus == SIGKILL)
        // The user edits the profile before the restart.
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "rotation_range = 15", with: "rotation_range = 40")
            .write(to: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
        let expected = treeContents(reference.file("dataset"))
        #expect(expected.count == 4)
        #expect(treeContents(dir.file("dataset")) == expected, "repair rendered with today's profile")
    }

    // MARK: helpers

    /// Runs the daemon until the files with these seeds are in the dataset, then stops it.
    static func addFilesAndStop(_ dir: TemporaryDirectory, _ config: URL, seeds: [UInt64]) throws {
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        for seed in seeds { try Data(png(seed)).write(to: dir.file("inbox/cats/s\(seed).png")) }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log-first.txt"))
        #expect(eventually { waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)
    }

    static func setRescanInterval(_ config: URL, _ value: String) throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "workers = 2\n", with: "workers = 2\nrescan_interval = \"\(value)\"\n")
            .write(to: config, atomically: true, encoding: .utf8)
    }

    /// Names in a folder that a loader would read (no dot-files).
    static func visibleFiles(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}

extension DaemonTests {
    /// The inbox turns read-only: the original cannot leave it. Reported as an inbox problem,
    /// nothing of the file stays in the dataset (the copy across filesystems is taken back), and
    /// it is taken once the inbox is writable again.
    @Test func anInboxThatCannotBeChangedIsReportedAsSuch() throws {
        let dir = try TemporaryDirectory("daemon-ro-inbox")
        let config = try Self.config(dir, variants: 2)
        try Self.setRescanInterval(config, "1h")
        guard let mount = TmpfsMount(at: dir.file("dataset"), sizeKiB: 4096) else { return }   // another filesystem
        defer { withExtendedLifetime(mount) {} }
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        try Data(Self.png(68)).write(to: dir.file("inbox/cats/r.png"))
        guard let readOnly = ReadOnlyBind(dir.file("inbox")) else { return }
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("out of its inbox") }, "\(daemon.log)")
        #expect(daemon.log.contains("cannot move \(dir.file("inbox/cats/r.png").path) out of its inbox: "), "\(daemon.log)")
        #expect(daemon.log.contains("Read-only file system"), "\(daemon.log)")
        #expect(Self.visibleFiles(dir.file("dataset/train/cats")).isEmpty, "a copy stayed in the dataset")
        readOnly.release()
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(Self.visibleFiles(dir.file("dataset/train/cats")).count == 3)
        #expect(daemon.stop(SIGTERM) == 0)
    }
}

extension DaemonTests {
    /// The ledger deleted while the daemon runs (a cleanup script, `rm -rf state/`): it is written
    /// back from the open database at once, so what was recorded before and after survives a restart.
    @Test func aLedgerDeletedWhileRunningIsWrittenBack() throws {
        let dir = try TemporaryDirectory("daemon-ledger-deleted")
        let config = try Self.config(dir, variants: 1)
        try FileManager.default.createDirectory(at: dir.file("inbox/cats"), withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log.txt"))
        #expect(eventually { daemon.log.contains("watching 1 inbox") }, "\(daemon.log)")
        try Data(Self.png(71)).write(to: dir.file("inbox/cats/a.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: dir.file("state/ledger.sqlite").path + suffix)
        }
        #expect(eventually { daemon.log.contains("was deleted while running: written back") }, "\(daemon.log)")
        try Data(Self.png(72)).write(to: dir.file("inbox/cats/b.png"))
        #expect(eventually { Self.waiting(dir.file("inbox")).isEmpty }, "\(daemon.log)")
        #expect(daemon.stop(SIGTERM) == 0)

        let again = try DaemonProcess(config: config, workingDirectory: dir.url, log: dir.file("log2.txt"))
        #expect(eventually { again.log.contains("watching 1 inbox") }, "restart refused: \(again.log)")
        try Data(Self.png(71)).write(to: dir.file("inbox/cats/a-again.png"))
        #expect(eventually { again.log.contains("duplicate") }, "\(again.log)")
        #expect(again.stop(SIGTERM) == 0)
        #expect(try Self.statusRow(config, dir, label: "cats")?["originals"] as? Int == 2)
    }
}
