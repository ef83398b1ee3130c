import Foundation
import LinuxSystem

/// One watched inbox.
public struct InboxSpec: Sendable, Equatable {
    public let path: String
    public init(path: String) { self.path = path }
}

/// What the watcher reports. Events only say "look at this path": whether the file is complete
/// is decided later, from its size, mtime and end marker.
public enum WatchEvent: Sendable, Equatable {
    /// A file that may be new or changed: written and closed, renamed in, linked or created.
    case candidate(inbox: String, path: String)
    /// The kernel dropped events (queue overflow): every inbox must be scanned again.
    case overflow
    /// An inbox folder was deleted or moved away; it is watched again once it reappears.
    case inboxLost(inbox: String)
    /// An inbox folder that was lost is back (and has been scanned).
    case inboxRestored(inbox: String)
}

/// One owner of the inotify descriptor and the watch maps, for every inbox and every folder
/// below it. New folders get a watch and an immediate scan, so files created before the watch
/// existed are not missed.
public final class InboxWatcher {
    private let inotify: Inotify
    private let inboxes: [InboxSpec]
    /// watch descriptor → (inbox, folder)
    private var folders: [Int32: (inbox: String, path: String)] = [:]
    private var lost: Set<String> = []
    private var pending: [WatchEvent] = []

    static let folderMask: InotifyMask = [.closeWrite, .movedTo, .create, .deleteSelf, .moveSelf, .onlyDirectory,
                                          .dontFollow]

    public init(inboxes: [InboxSpec]) throws(SystemError) {
        inotify = try Inotify()
        self.inboxes = inboxes
    }

    /// Watches every inbox (and its folders) and returns the files already there: the catch-up scan.
    public func start() throws(SystemError) -> [WatchEvent] {
        var found = [WatchEvent]()
        for inbox in inboxes {
            found += try watchTree(inbox: inbox.path, folder: inbox.path)
        }
        return found
    }

    /// Scans every inbox again (after an overflow, or periodically) without adding duplicate watches.
    public func rescan() throws(SystemError) -> [WatchEvent] {
        var found = [WatchEvent]()
        for inbox in inboxes where !lost.contains(inbox.path) {
            found += try watchTree(inbox: inbox.path, folder: inbox.path)
        }
        found += try restoreLostInboxes()
        return found
    }

    /// Waits up to `timeout` ms and returns what happened.
    public func poll(timeout: Int32) throws(SystemError) -> [WatchEvent] {
        var out = pending
        pending = []
        for event in try inotify.read(timeout: out.isEmpty ? timeout : 0) {
            out += try handle(event)
        }
        if !lost.isEmpty { out += try restoreLostInboxes() }
        return out
    }

    private func handle(_ event: InotifyEvent) throws(SystemError) -> [WatchEvent] {
        if event.mask.contains(.queueOverflow) { return [.overflow] }
        if event.mask.contains(.ignored) {
            folders.removeValue(forKey: event.watch)
            return []
        }
        guard let owner = folders[event.watch] else { return [] }
        if event.mask.contains(.deleteSelf) || event.mask.contains(.moveSelf) {
            inotify.removeWatch(event.watch)
            folders.removeValue(forKey: event.watch)
            if owner.path == owner.inbox {
                // The inbox itself went away: forget every watch below it, watch for its return.
                for (wd, folder) in folders where folder.inbox == owner.inbox {
                    inotify.removeWatch(wd)
                    folders.removeValue(forKey: wd)
                }
                lost.insert(owner.inbox)
                return [.inboxLost(inbox: owner.inbox)]
            }
            return []
        }
        let name = event.nameString
        if event.name.isEmpty || IgnoreRules.ignores(name) { return [] }
        let path = "\(owner.path)/\(name)"
        if event.mask.contains(.isDirectory) {
            // A folder named like an image is handed on, to be refused; it is not a label folder.
            if IgnoreRules.looksLikeImage(name) { return [.candidate(inbox: owner.inbox, path: path)] }
            // A new label folder (created, or moved in with files inside): watch, then scan it.
            if event.mask.contains(.create) || event.mask.contains(.movedTo) {
                return try watchTree(inbox: owner.inbox, folder: path)
            }
            return []
        }
        return [.candidate(inbox: owner.inbox, path: path)]
    }

    /// Adds watches to `folder` and every folder below it (skipping ignored names) and lists the files.
    private func watchTree(inbox: String, folder: String) throws(SystemError) -> [WatchEvent] {
        let wd: Int32
        do {
            wd = try inotify.addWatch(folder, mask: Self.folderMask)
        } catch {
            // A folder that vanished (or is not a folder) between the event and the watch is no error.
            if case .call(_, let code) = error, code == ENOENT || code == ENOTDIR { return [] }
            throw error
        }
        folders[wd] = (inbox, folder)
        var found = [WatchEvent]()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        for name in names.sorted() where !IgnoreRules.ignores(name) {
            let path = "\(folder)/\(name)"
            if (try? RegularFile.kind(at: path)) == .directory && !IgnoreRules.looksLikeImage(name) {
                found += try watchTree(inbox: inbox, folder: path)
            } else {
                found.append(.candidate(inbox: inbox, path: path))
            }
        }
        return found
    }

    private func restoreLostInboxes() throws(SystemError) -> [WatchEvent] {
        var out = [WatchEvent]()
        for inbox in lost.sorted() where (try? RegularFile.kind(at: inbox)) == .directory {
            lost.remove(inbox)
            out.append(.inboxRestored(inbox: inbox))
            out += try watchTree(inbox: inbox, folder: inbox)
        }
        return out
    }

    /// Inboxes currently missing.
    public var lostInboxes: Set<String> { lost }

    /// Folders currently watched (for status and tests).
    public var watchedFolders: Set<String> { Set(folders.values.map(\.path)) }
}
