import Config
import LinuxSystem

/// A write the dataset (or the inbox) refused: disk full, read-only, no permission. The file it
/// was for stays in its inbox and is tried again; the description names the folder and the reason
/// ("cannot write /srv/dataset/train/cats: No space left on device (open, errno 28)").
public struct DatasetWriteError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The inbox refused (the original could not leave it), not the dataset.
    public var isInboxSide = false
    /// The system call's failure.
    public let cause: SystemError

    public init(path: String, _ error: SystemError) {
        description = "cannot write \(Configuration.absolutePath(path)): \(error)"
        cause = error
    }

    /// The name was taken (a write that must not replace).
    public var isAlreadyExists: Bool { cause.isAlreadyExists }

    /// The inbox side refused (the original cannot be moved or deleted from it).
    public init(inboxFile path: String, _ error: SystemError) {
        description = "cannot move \(Configuration.absolutePath(path)) out of its inbox: \(error)"
        isInboxSide = true
        cause = error
    }

    /// Runs a write into `folder`, naming the folder when it fails.
    static func writing<T>(_ folder: String, _ body: () throws(SystemError) -> T) throws(DatasetWriteError) -> T {
        do { return try body() } catch { throw DatasetWriteError(path: folder, error) }
    }
}
