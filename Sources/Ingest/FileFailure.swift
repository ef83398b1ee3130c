import Codecs
import Ledger
import LinuxSystem

/// Why a file was moved to `.failed`: the message users read (log, `.error.txt`, status) and its
/// class, decided where the failure is known rather than parsed back out of the message.
public struct FileFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let failureClass: FailureClass
    public let message: String

    public init(_ failureClass: FailureClass, _ message: String) {
        self.failureClass = failureClass
        self.message = message
    }

    public var description: String { message }

    public init(_ error: CodecError) {
        let failureClass: FailureClass = switch error {
        case .empty: .empty
        case .unsupportedFormat: .unsupportedFormat
        case .truncated: .truncated
        case .corrupt: .corrupt
        case .unsupportedFeature: .unsupportedFeature
        case .tooLarge: .tooLarge
        case .outOfMemory: .outOfMemory
        case .encodeFailed: .encodeFailed
        }
        self.init(failureClass, error.description)
    }

    /// A file that could not be read into memory.
    public init(reading error: SystemError) {
        if case .fileTooLarge = error { self.init(.tooLarge, error.description) } else { self.init(.unreadable, error.description) }
    }
}
