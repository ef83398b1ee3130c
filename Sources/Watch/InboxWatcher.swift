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
    /// A folder could not be watched (the inotify watch limit, permissions): its files are still
    /// reported by this scan and by every rescan, which also tries the watch again.
    case watchFailed(inbox: String, folder: String, reason: String)
    /// A name that was not valid UTF-8 was given a valid one in place (`%XX` for each bad byte);
    /// the file is then taken under that name. `from` is the old name, escaped for display.
    case renamed(inbox: String, from: String, to: String)
    /// A name that is not valid UTF-8 could not be renamed (read-only inbox, …): the file waits.
    case unrenamable(inbox: String, path: String, reason: String)
    /// A folder whose name starts with a dot (other than `.failed`): hidden, never taken. Reported
    /// so that a user who named a label `..x` learns why its files stay.
    case hiddenFolder(inbox: String, path: String)
    /// A path longer than Linux takes (PATH_MAX): nothing at or below it can be opened by name.
    case pathTooLong(inbox: String, path: String)
}

/// One owner of the inotify descriptor and the watch maps, for every inbox and every folder
/// below it. New folders get a watch and an immediate scan, so files created before the watch
/// existed are not missed.
public final class InboxWatcher {
    /// Receives what the watcher finds, one event at a time (a scan of a huge tree is never
    /// held in memory as a whole).
    public typealias Sink = (WatchEvent) -> Void

    private let inotify: Inotify
    private var inboxes: [String]
    /// watch descriptor → (inbox, folder)
    private var folders: [Int32: (inbox: String, path: String)] = [:]
    private var lost: Set<String> = []

    static let folderMask: InotifyMask = [.closeWrite, .movedTo, .create, .deleteSelf, .moveSelf, .onlyDirectory,
                                          .dontFollow]

    public init(inboxes: [InboxSpec]) throws(SystemError) {
        inotify = try Inotify()
        self.inboxes = inboxes.map(\.path)
    }

    /// Watches every inbox (and its folders) and reports the files already there: the catch-up scan.
    public func start(_ sink: Sink) throws(SystemError) {
        for inbox in inboxes {
            try watchTree(inbox: inbox, folder: inbox, sink)
        }
    }

    /// Scans every inbox again (after an overflow, or periodically) without adding duplicate watches.
    public func rescan(_ sink: Sink) throws(SystemError) {
        for inbox in inboxes where !lost.contains(inbox) {
            try watchTree(inbox: inbox, folder: inbox, sink)
        }
        try restoreLostInboxes(sink)
    }

    /// Starts watching one more inbox (at reload) and reports the files already in it.
    public func add(inbox: InboxSpec, _ sink: Sink) throws(SystemError) {
        guard !inboxes.contains(inbox.path) else { return }
        inboxes.append(inbox.path)
        try watchTree(inbox: inbox.path, folder: inbox.path, sink)
    }

    /// Stops watching an inbox and every folder below it (at reload).
    public func remove(inbox: InboxSpec) {
        inboxes.removeAll { $0 == inbox.path }
        lost.remove(inbox.path)
        for (wd, folder) in folders where folder.inbox == inbox.path {
            inotify.removeWatch(wd)
            folders.removeValue(forKey: wd)
        }
    }

    /// Waits up to `timeout` ms and reports what happened.
    public func poll(timeout: Int32, _ sink: Sink) throws(SystemError) {
        for event in try inotify.read(timeout: timeout) {
            try handle(event, sink)
        }
        if !lost.isEmpty { try restoreLostInboxes(sink) }
    }

    private func handle(_ event: InotifyEvent, _ sink: Sink) throws(SystemError) {
        if event.mask.contains(.queueOverflow) { return sink(.overflow) }
        if event.mask.contains(.ignored) {
            folders.removeValue(forKey: event.watch)
            return
        }
        guard let owner = folders[event.watch] else { return }
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
                sink(.inboxLost(inbox: owner.inbox))
            }
            return
        }
        if event.name.isEmpty { return }
        // The rename makes a new event under the valid name, which is taken as usual.
        guard let name = RawNames.validName(event.name) else {
            giveValidName(event.name, in: owner, sink)
            return
        }
        let path = "\(owner.path)/\(name)"
        if Self.isTooLong(path) { return sink(.pathTooLong(inbox: owner.inbox, path: path)) }
        if IgnoreRules.ignores(name) {
            if event.mask.contains(.isDirectory) && IgnoreRules.isHiddenFolder(name) { sink(.hiddenFolder(inbox: owner.inbox, path: path)) }
            return
        }
        if event.mask.contains(.isDirectory) {
            // A folder named like an image is handed on, to be refused; it is not a label folder.
            if IgnoreRules.looksLikeImage(name) { return sink(.candidate(inbox: owner.inbox, path: path)) }
            // A new label folder (created, or moved in with files inside): watch, then scan it.
            if event.mask.contains(.create) || event.mask.contains(.movedTo) {
                try watchTree(inbox: owner.inbox, folder: path, sink)
            }
            return
        }
        sink(.candidate(inbox: owner.inbox, path: path))
    }

    /// Adds watches to `folder` and every folder below it (skipping ignored names) and reports the files.
    private func watchTree(inbox: String, folder: String, _ sink: Sink) throws(SystemError) {
        if Self.isTooLong(folder) { return sink(.pathTooLong(inbox: inbox, path: folder)) }
        do {
            let wd = try inotify.addWatch(folder, mask: Self.folderMask)
            folders[wd] = (inbox, folder)
        } catch {
            // A folder that vanished (or is not a folder) between the event and the watch is no error.
            if error.isGoneOrNotAFolder { return }
            sink(.watchFailed(inbox: inbox, folder: folder, reason: error.description))
        }
        guard let rawNames = try? RawNames.list(folder) else { return }
        var names = [String]()
        for raw in rawNames {
            if let name = RawNames.validName(raw) {
                names.append(name)
            } else if let name = giveValidName(raw, in: (inbox, folder), sink) {
                names.append(name)
            }
        }
        for name in names.sorted() {
            let path = "\(folder)/\(name)"
            if Self.isTooLong(path) {
                sink(.pathTooLong(inbox: inbox, path: path))
                continue
            }
            if IgnoreRules.ignores(name) {
                if IgnoreRules.isHiddenFolder(name) && (try? RegularFile.kind(at: path)) == .directory {
                    sink(.hiddenFolder(inbox: inbox, path: path))
                }
                continue
            }
            if (try? RegularFile.kind(at: path)) == .directory && !IgnoreRules.looksLikeImage(name) {
                try watchTree(inbox: inbox, folder: path, sink)
            } else {
                sink(.candidate(inbox: inbox, path: path))
            }
        }
    }

    /// Renames a file or folder whose name is not UTF-8 to its repaired name (a suffix when that
    /// is taken); returns the new name, or nil when it could not be renamed (reported).
    @discardableResult
    private func giveValidName(_ raw: [UInt8], in owner: (inbox: String, path: String), _ sink: Sink) -> String? {
        let repaired = RawNames.repaired(raw)
        let (stem, ext) = Self.stemAndExtension(repaired)
        var lastError = ""
        for attempt in 1...20 {
            let candidate = attempt == 1 ? repaired : "\(stem)-\(attempt)\(ext)"
            do {
                try RawNames.rename(in: owner.path, from: raw, to: candidate)
                sink(.renamed(inbox: owner.inbox, from: "\(owner.path)/\(RawNames.displayed(raw))", to: "\(owner.path)/\(candidate)"))
                return candidate
            } catch {
                lastError = error.description
                if !error.isAlreadyExists { break }
            }
        }
        sink(.unrenamable(inbox: owner.inbox, path: "\(owner.path)/\(RawNames.displayed(raw))", reason: lastError))
        return nil
    }

    /// Longest path the kernel takes, in bytes (PATH_MAX counts the terminating NUL).
    public static let maxPathBytes = Int(PATH_MAX) - 1

    static func isTooLong(_ path: String) -> Bool { path.utf8.count > maxPathBytes }

    private static func stemAndExtension(_ name: String) -> (String, String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }

    private func restoreLostInboxes(_ sink: Sink) throws(SystemError) {
        for inbox in lost.sorted() where (try? RegularFile.kind(at: inbox)) == .directory {
            lost.remove(inbox)
            sink(.inboxRestored(inbox: inbox))
            try watchTree(inbox: inbox, folder: inbox, sink)
        }
    }

    /// Inboxes currently missing.
    public var lostInboxes: Set<String> { lost }

    /// Folders currently watched (for status and tests).
    public var watchedFolders: Set<String> { Set(folders.values.map(\.path)) }
}

extension InboxWatcher {
    /// The catch-up scan's events as a list (for small inboxes and tests).
    public func start() throws(SystemError) -> [WatchEvent] {
        var out = [WatchEvent]()
        try start { out.append($0) }
        return out
    }

    /// One poll's events as a list.
    public func poll(timeout: Int32) throws(SystemError) -> [WatchEvent] {
        var out = [WatchEvent]()
        try poll(timeout: timeout) { out.append($0) }
        return out
    }
}
