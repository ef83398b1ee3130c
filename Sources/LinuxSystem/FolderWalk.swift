#if canImport(Glibc)
import Glibc
#endif

/// A folder tree listed with readdir, folder by folder, each entry looked at on its own (lstat):
/// an entry created or moved away meanwhile is just missing, the others are all seen (Foundation's
/// enumerator can miss them then), and names that are not UTF-8 are seen too (Foundation drops them).
public enum FolderWalk {
    public struct Entry {
        /// The folder it is in (a path), and its name as stored.
        public let folder: String
        public let rawName: [UInt8]
        /// The name when it is valid UTF-8.
        public let name: String?
        /// Its path below the walk's root ("a/b.png"), the name repaired (`%XX`) if need be.
        public let relative: String
        /// What `lstat` says (nil: gone meanwhile, or a name that is not UTF-8, which is not looked at).
        public let kind: FileKind?

        /// The entry's path, when its name is valid UTF-8.
        public var path: String? { name.map { folder == "/" ? "/\($0)" : "\(folder)/\($0)" } }
    }

    /// What to do with an entry: skip it, take it, or (a folder) descend into it.
    public enum Step {
        case skip, take, descend
    }

    /// The entries below `root` that `decide` takes, in readdir order folder by folder; a folder
    /// that cannot be listed (the root included) is passed to `unreadable` with the reason.
    public static func entries(below root: String, decide: (Entry) -> Step,
                               unreadable: (String, SystemError) -> Void = { _, _ in }) -> [Entry] {
        var out = [Entry]()
        func walk(_ folder: String, _ relative: String) {
            let names: [[UInt8]]
            do { names = try RawNames.list(folder) } catch {
                unreadable(folder, error)
                return
            }
            for raw in names {
                let name = RawNames.validName(raw)
                let shown = name ?? RawNames.repaired(raw)
                let below = relative.isEmpty ? shown : "\(relative)/\(shown)"
                let path = name.map { folder == "/" ? "/\($0)" : "\(folder)/\($0)" }
                let kind = path.flatMap { try? FileMoves.status($0).kind }
                let entry = Entry(folder: folder, rawName: raw, name: name, relative: below, kind: kind)
                switch decide(entry) {
                case .skip: continue
                case .take: out.append(entry)
                case .descend: if let path { walk(path, below) }
                }
            }
        }
        walk(root, "")
        return out
    }
}
