import CPostgres
import Foundation
import Ledger

/// A value bound to a statement parameter ($1, $2, …), sent as text.
enum PGValue: Sendable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case null

    static func optional(_ text: String?) -> PGValue { text.map { .text($0) } ?? .null }

    var text: String? {
        switch self {
        case .text(let value): value
        case .integer(let value): String(value)
        // Shortest round-trip form: the server parses it back to the same double.
        case .real(let value): "\(value)"
        case .null: nil
        }
    }
}

/// One row of a result, read by column index.
struct PGRow {
    let values: [String?]

    func text(_ column: Int) -> String { values[column] ?? "" }
    func optionalText(_ column: Int) -> String? { values[column] }
    func int(_ column: Int) -> Int64 { values[column].flatMap { Int64($0) } ?? 0 }
    func optionalInt(_ column: Int) -> Int64? { values[column].flatMap { Int64($0) } }
    func double(_ column: Int) -> Double { values[column].flatMap { Double($0) } ?? 0 }
    func optionalDouble(_ column: Int) -> Double? { values[column].flatMap { Double($0) } }
    func bool(_ column: Int) -> Bool { values[column] == "t" }
}

/// One libpq connection. Every call blocks; `PostgresLedger` serialises all use on its own lock.
/// Every libpq call of augmentd is in this file.
final class PGConnection {
    private var handle: OpaquePointer?
    /// The URL without its password, for messages.
    let location: String

    /// Connects with a libpq URI or keyword string; the password comes from libpq's usual places
    /// (`PGPASSFILE`, `~/.pgpass`), never from augmentd's configuration.
    init(url: String, applicationName: String, connectTimeout: Int = 10) throws(LedgerError) {
        location = Self.redacted(url)
        let keys = ["dbname", "application_name", "connect_timeout"]
        let values = [url, applicationName, String(connectTimeout)]
        handle = withCStrings(keys) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { Self.trimmed(String(cString: PQerrorMessage($0))) } ?? "out of memory"
            PQfinish(handle)
            self.handle = nil
            throw LedgerError(operation: "connect to \(location)", message: message, code: 0, sqlState: "")
        }
        // Notices (e.g. "relation already exists, skipping") are not for the log.
        _ = try? execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable (after a failure, a reset may bring it back).
    var isOK: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Runs one statement with parameters and returns its rows (none for commands).
    @discardableResult
    func execute(_ sql: String, _ parameters: [PGValue] = []) throws(LedgerError) -> [PGRow] {
        guard let handle else { throw LedgerError(operation: "query", message: "not connected", code: 0, sqlState: "") }
        let texts = parameters.map(\.text)
        let result: OpaquePointer? = withOptionalCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(texts.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        let status = try check(result, handle, operation: Self.firstWords(of: sql))
        guard status == PGRES_TUPLES_OK, let result else { return [] }
        let rowCount = Int(PQntuples(result)), columnCount = Int(PQnfields(result))
        var rows = [PGRow]()
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values = [String?]()
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                values.append(PQgetisnull(result, Int32(r), Int32(c)) == 1
                              ? nil : String(cString: PQgetvalue(result, Int32(r), Int32(c))))
            }
            rows.append(PGRow(values: values))
        }
        return rows
    }

    /// Runs several statements without parameters (a migration's script).
    func executeScript(_ sql: String) throws(LedgerError) {
        guard let handle else { throw LedgerError(operation: "script", message: "not connected", code: 0, sqlState: "") }
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        _ = try check(result, handle, operation: "script")
    }

    /// The result's status when the statement succeeded; else its error, with the SQLSTATE, or ""
    /// when the connection itself is gone.
    private func check(_ result: OpaquePointer?, _ handle: OpaquePointer, operation: String) throws(LedgerError) -> ExecStatusType {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return status }
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        throw LedgerError(operation: operation, message: Self.trimmed(String(cString: PQerrorMessage(handle))), code: 0,
                          sqlState: PQstatus(handle) != CONNECTION_OK ? "" : (sqlState ?? ""))
    }

    /// Runs `body` in one transaction: all of it is recorded, or none.
    func transaction<T>(_ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user@host/db`.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at...])
    }

    private static func trimmed(_ message: String) -> String {
        message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    private static func firstWords(of sql: String) -> String {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings.map { Optional($0) }, body)   // NULL-terminated, as PQconnectdbParams wants
}

/// Copies each string to C memory for the call; nil stays NULL (SQL NULL for PQexecParams).
private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
