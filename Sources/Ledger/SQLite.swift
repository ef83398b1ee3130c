import CSQLite

/// A failed ledger call: the operation and the database's own message, with SQLite's result code
/// or PostgreSQL's SQLSTATE.
public struct LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let message: String
    /// SQLite's extended result code (0 for PostgreSQL).
    public let code: Int32
    /// PostgreSQL's SQLSTATE ("08006"), or "" when the connection itself failed; nil for SQLite.
    public let sqlState: String?
    /// The original is claimed by another live node (several hosts): look again later.
    public let heldBy: String?

    public init(operation: String, message: String, code: Int32, sqlState: String? = nil, heldBy: String? = nil) {
        self.operation = operation
        self.message = message
        self.code = code
        self.sqlState = sqlState
        self.heldBy = heldBy
    }

    public var description: String {
        if let sqlState { return "ledger: \(operation): \(message)\(sqlState.isEmpty ? "" : " (PostgreSQL \(sqlState))")" }
        return "ledger: \(operation): \(message) (SQLite \(code))"
    }

    /// The PostgreSQL server cannot be reached (down, restarting, the network): wait and reconnect.
    public var isConnectionLost: Bool {
        guard let sqlState else { return false }
        return sqlState.isEmpty || sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text at once (a macro Swift cannot import).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe by itself: `Ledger` serialises every use.
final class SQLiteConnection {
    private var handle: OpaquePointer?

    /// Opens (with `create`, creates) the database at `path`.
    init(path: String, create: Bool = true) throws(LedgerError) {
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        if status != SQLITE_OK {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw LedgerError(operation: "open \(path)", message: message, code: status)
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Closes the connection now (checkpointing its WAL); every later call fails.
    func close() {
        sqlite3_close_v2(handle)
        handle = nil
    }

    private func error(_ operation: String, _ status: Int32) -> LedgerError {
        LedgerError(operation: operation, message: String(cString: sqlite3_errmsg(handle)), code: status)
    }

    /// Runs statements that return no rows.
    func execute(_ sql: String) throws(LedgerError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw LedgerError(operation: "execute", message: text, code: status)
        }
    }

    /// Prepares, binds, steps through every row (handing each to `row`), finalises.
    func query(_ sql: String, _ values: [SQLValue] = [], row: (Row) throws(LedgerError) -> Void = { _ in })
        throws(LedgerError)
    {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        if prepared != SQLITE_OK { throw error("prepare", prepared) }
        defer { sqlite3_finalize(statement) }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let status: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let i): sqlite3_bind_int64(statement, position, i)
            case .real(let d): sqlite3_bind_double(statement, position, d)
            case .text(let s): sqlite3_bind_text(statement, position, s, -1, transient)
            }
            if status != SQLITE_OK { throw error("bind", status) }
        }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            if status != SQLITE_ROW { throw error("step", status) }
            try row(Row(statement: statement))
        }
    }

    /// The rowid of the last INSERT.
    var lastInsertID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A value bound to a statement.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func optional(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
}

/// The current row of a statement being stepped.
struct Row {
    let statement: OpaquePointer?

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: bytes)
    }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column's value with its storage class kept (a REAL stays exact, not 15 digits of text).
    func value(_ column: Int32) -> LedgerValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(int(column))
        case SQLITE_FLOAT: .real(double(column))
        default: .text(text(column))
        }
    }
}

extension LedgerError {
    /// The database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB): going on would lose track of files.
    public var isDamage: Bool { sqlState == nil && (code & 0xFF == SQLITE_CORRUPT || code & 0xFF == SQLITE_NOTADB) }
}
