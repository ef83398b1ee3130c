#if canImport(Glibc)
import Glibc
#endif

/// Where the daemon's log lines go: standard error, one `write(2)` per line. A failed write (a
/// closed pipe, a full disk behind a redirect, a closed descriptor) is dropped: logging must never
/// stop the daemon. SIGPIPE is ignored by `ProcessSignals.install`, so a reader that went away
/// only makes `write` fail with EPIPE.
public enum LogSink {
    /// Writes `line` with every control character escaped (see `DisplayText`), then a newline.
    public static func standardError(_ line: String) {
        write(2, DisplayText.escaped(line) + "\n")
    }

    /// Writes `text` as it is (a progress bar's carriage return, a prepared report).
    public static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                retryingOnInterrupt { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            }
            if written <= 0 { return }
            offset += written
        }
    }
}
