import Foundation
import LinuxSystem
import Testing
import TestSupport
import Watch

/// The inotify watcher on real folders: every way a file can arrive is reported, ignored names
/// are not, new label folders are watched and scanned, a deleted inbox comes back.
struct InboxWatcherTests {
    /// Polls until `wanted` paths have all been reported (or 10 s pass), returning every candidate seen.
    static func collect(_ watcher: InboxWatcher, until wanted: Set<String>) throws -> Set<String> {
        var seen = Set<String>()
        let deadline = Date().addingTimeInterval(10)
        while !wanted.isSubset(of: seen) && Date() < deadline {
            for event in try watcher.poll(timeout: 100) {
                if case .candidate(_, let path) = event { seen.insert(path) }
            }
        }
        return seen
    }

    static func write(_ url: URL, _ text: String = "x") throws {
        try Data(text.utf8).write(to: url)
    }

    @Test func catchUpScanFindsExistingFilesAndSkipsIgnoredNames() throws {
        let dir = try TemporaryDirectory("watch")
        let inbox = dir.url.path
        try FileManager.default.createDirectory(at: dir.file("cats"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.file(".failed"), withIntermediateDirectories: true)
        for name in ["cats/a.jpg", "b.png", ".hidden.jpg", "c.jpg.part", "d.crdownload", "e.tmp", "f.jpg~", ".failed/g.jpg"] {
            try Self.write(dir.file(name))
        }
        let watcher = try InboxWatcher(inboxes: [InboxSpec(path: inbox)])
        let found = try watcher.start().compactMap { event -> String? in
            if case .candidate(_, let path) = event { return path }
            return nil
        }
        #expect(Set(found) == ["\(inbox)/cats/a.jpg", "\(inbox)/b.png"])
        #expect(watcher.watchedFolders == [inbox, "\(inbox)/cats"])
    }

    @Test func everyWayOfArrivingIsReported() throws {
        let dir = try TemporaryDirectory("watch")
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("cats"), withIntermediateDirectories: true)
        let watcher = try InboxWatcher(inboxes: [InboxSpec(path: inbox.path)])
        _ = try watcher.start()

        // Written and closed in place.
        try Self.write(inbox.appendingPathComponent("cats/written.jpg"))
        // Written under a partial name, then renamed in.
        try Self.write(inbox.appendingPathComponent("cats/download.jpg.part"))
        try FileManager.default.moveItem(at: inbox.appendingPathComponent("cats/download.jpg.part"),
                                         to: inbox.appendingPathComponent("cats/download.jpg"))
        // Moved in from outside the inbox.
        try Self.write(dir.file("outside.png"))
        try FileManager.default.moveItem(at: dir.file("outside.png"), to: inbox.appendingPathComponent("cats/moved.png"))
        // Hard-linked in (no close-after-write on the inbox side).
        try Self.write(dir.file("linked-source.png"))
        #expect(link(dir.file("linked-source.png").path, inbox.appendingPathComponent("cats/linked.png").path) == 0)
        // A new label folder, created and filled at once.
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("dogs"), withIntermediateDirectories: true)
        try Self.write(inbox.appendingPathComponent("dogs/rex.jpg"))
        // A whole folder with files already inside, moved in.
        try FileManager.default.createDirectory(at: dir.file("birds"), withIntermediateDirectories: true)
        try Self.write(dir.file("birds/tweety.jpg"))
        try FileManager.default.moveItem(at: dir.file("birds"), to: inbox.appendingPathComponent("birds"))

        let wanted: Set<String> = ["cats/written.jpg", "cats/download.jpg", "cats/moved.png", "cats/linked.png",
                                   "dogs/rex.jpg", "birds/tweety.jpg"].map { inbox.appendingPathComponent($0).path }.reduce(into: []) { $0.insert($1) }
        let seen = try Self.collect(watcher, until: wanted)
        #expect(wanted.isSubset(of: seen), "missing: \(wanted.subtracting(seen))")
        #expect(!seen.contains(inbox.appendingPathComponent("cats/download.jpg.part").path))
        #expect(watcher.watchedFolders.contains(inbox.appendingPathComponent("birds").path))
    }

    @Test func aDeletedInboxIsWatchedAgainWhenItReturns() throws {
        let dir = try TemporaryDirectory("watch")
        let inbox = dir.file("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let watcher = try InboxWatcher(inboxes: [InboxSpec(path: inbox.path)])
        _ = try watcher.start()
        try FileManager.default.removeItem(at: inbox)
        var events = [WatchEvent]()
        let deadline = Date().addingTimeInterval(10)
        while !events.contains(.inboxLost(inbox: inbox.path)) && Date() < deadline {
            events += try watcher.poll(timeout: 100)
        }
        #expect(events.contains(.inboxLost(inbox: inbox.path)))
        // Recreated with a file already inside: restored, scanned, and watched for new files.
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try Self.write(inbox.appendingPathComponent("early.jpg"))
        let early = try Self.collect(watcher, until: [inbox.appendingPathComponent("early.jpg").path])
        #expect(early.contains(inbox.appendingPathComponent("early.jpg").path))
        try Self.write(inbox.appendingPathComponent("late.jpg"))
        let late = try Self.collect(watcher, until: [inbox.appendingPathComponent("late.jpg").path])
        #expect(late.contains(inbox.appendingPathComponent("late.jpg").path))
    }

    @Test func ignoreRules() {
        for name in [".x.jpg", "a.part", "a.PARTIAL", "b.tmp", "c.crdownload", "d.jpg~", ".failed"] {
            #expect(IgnoreRules.ignores(name), "\(name)")
        }
        for name in ["a.jpg", "part.png", "tmp", "x.jpeg"] {
            #expect(!IgnoreRules.ignores(name), "\(name)")
        }
    }

    @Test func localFoldersAreNotNetworkFilesystems() throws {
        let dir = try TemporaryDirectory("watch")
        #expect(try FileSystemKind.networkName(of: dir.url.path) == nil)
    }
}
