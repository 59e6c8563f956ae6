import CLibPQ
import Foundation

/// One libpq connection (`PGconn *`).
///
/// Not thread-safe: a connection is used by one thread at a time. Its calls
/// block, so async code reaches it through ``PostgresPool``, which runs them on
/// dedicated threads rather than on Swift's cooperative pool.
public final class PGConnection {
    private var handle: OpaquePointer?

    /// A prepared statement is valid for one SQL text with one set of declared parameter types.
    private struct PreparedKey: Hashable {
        var sql: String
        var types: [Oid]
    }

    /// This connection's prepared statements. Prepared statements live in the server session, so the
    /// cache lives and dies with this object: a reconnect (a new `PGConnection`) starts empty.
    private var statements: [PreparedKey: String] = [:]
    private var nextStatement = 0

    /// Connects with a libpq connection string or `postgresql://` URL.
    ///
    /// - Throws: ``PostgresError/Code/connectionFailed`` with libpq's message, the URL's password
    ///   redacted, and a failed TLS verification named as such (with its `sslmode` and `sslrootcert`).
    public init(url: String) throws {
        let conn = PQconnectdb(url)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { Self.errorMessage($0) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            throw PostgresError.connectionFailure(libpqMessage: message, conninfo: url)
        }
        // NOTICEs ("already exists, skipping") would go to stderr; they are not errors.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Whether the connection is still usable (libpq's view; a broken socket is
    /// only noticed on the next round trip).
    public var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server's version number, e.g. 180001.
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// The TLS protocol of this connection (`TLSv1.3`), or nil when it is not encrypted.
    public var tlsProtocol: String? {
        guard let handle, PQsslInUse(handle) == 1 else { return nil }
        return PQsslAttribute(handle, "protocol").map { String(cString: $0) } ?? "TLS"
    }

    /// Runs one parameterized statement.
    ///
    /// - Parameters:
    ///   - sql: a single statement with `$1…$n` placeholders; values never go into the SQL text.
    ///   - parameters: the values, bound by position.
    ///   - resultFormat: text (default) or binary results for every column.
    ///   - prepared: run it as a named prepared statement kept in this connection's cache (keyed by
    ///     the SQL text and parameter types), so repeated hot statements skip parsing and, once the
    ///     server settles on a generic plan, planning. Use it for statements whose text repeats;
    ///     texts that embed varying literals would only fill the cache.
    /// - Throws: ``PostgresError`` (`server` with SQLSTATE, or `connectionLost`).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = [], resultFormat: PostgresData.Format = .text,
                      prepared: Bool = false) throws -> PostgresRows {
        try perform(sql, parameters.map(\.postgresData), resultFormat: resultFormat, prepared: prepared)
    }

    /// Runs one statement built with ``PostgresQuery`` (its placeholders numbered, its values bound).
    ///
    /// - Parameters:
    ///   - query: the statement and its parameters.
    ///   - resultFormat: text (default) or binary results for every column.
    ///   - prepared: as in ``query(_:_:resultFormat:prepared:)``; the same interpolations give the same text,
    ///     so a statement built the same way each call is prepared once.
    /// - Throws: ``PostgresError`` (`server` with SQLSTATE, or `connectionLost`).
    @discardableResult
    public func query(_ query: PostgresQuery, resultFormat: PostgresData.Format = .text, prepared: Bool = false) throws -> PostgresRows {
        try perform(query.sql, query.binds, resultFormat: resultFormat, prepared: prepared)
    }

    private func perform(_ sql: String, _ data: [PostgresData], resultFormat: PostgresData.Format, prepared: Bool) throws -> PostgresRows {
        let conn = try liveHandle()
        let n = Int32(data.count)
        let types = data.map { Oid($0.oid) }
        let formats = data.map { $0.format.rawValue }
        let lengths = data.map { Int32($0.bytes?.count ?? 0) }
        // Keep every buffer alive and pinned for the duration of the call.
        // libpq ignores lengths of text-format values and reads them up to a
        // NUL, so every buffer gets one.
        let buffers: [UnsafeMutablePointer<CChar>?] = data.map { d in
            guard let b = d.bytes else { return nil }
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: b.count + 1)
            b.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: b.count) }
            }
            p[b.count] = 0
            return p
        }
        defer { buffers.forEach { $0?.deallocate() } }
        func run(_ name: String?) -> OpaquePointer? {
            buffers.withUnsafeBufferPointer { values in
                values.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(values.count, 1)) { valuePtr in
                    if let name {
                        return PQexecPrepared(conn, name, n, n == 0 ? nil : valuePtr, lengths, formats, resultFormat.rawValue)
                    }
                    return PQexecParams(conn, sql, n, types, n == 0 ? nil : valuePtr, lengths, formats, resultFormat.rawValue)
                }
            }
        }
        guard prepared else { return try consume(run(nil), sql: sql, format: resultFormat) }
        let key = PreparedKey(sql: sql, types: types)
        let name = try preparedName(conn, key: key)
        do {
            return try consume(run(name), sql: sql, format: resultFormat)
        } catch let e as PostgresError where e.code == .server && Self.invalidatesPrepared(e) {
            // Someone ran DEALLOCATE (ALL), or DDL changed the statement's result type: forget the
            // entry and, when no transaction was aborted by the failure, prepare again once.
            statements[key] = nil
            guard PQtransactionStatus(conn) == PQTRANS_IDLE else { throw e }
            let again = try preparedName(conn, key: key)
            return try consume(run(again), sql: sql, format: resultFormat)
        }
    }

    /// Statements prepared on this connection (for tests and metrics).
    public var preparedStatementCount: Int { statements.count }

    /// Most prepared statements kept per connection; past it the cache is emptied (server side too).
    public static let preparedStatementLimit = 256

    /// Runs one or more statements without parameters (migrations, DDL).
    @discardableResult
    public func execute(_ sql: String) throws -> PostgresRows {
        let conn = try liveHandle()
        return try consume(PQexec(conn, sql), sql: sql, format: .text)
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Streams rows into `COPY … FROM STDIN` (text format lines, already escaped).
    ///
    /// - Returns: the number of rows the server copied.
    @discardableResult
    public func copyIn(_ sql: String, lines: some Sequence<String>) throws -> Int {
        let conn = try liveHandle()
        let start = PQexec(conn, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, sql: sql, format: .text)
            throw PostgresError(.server, "statement did not start COPY FROM STDIN", query: sql)
        }
        PQclear(start)
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 16)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let ok = buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(conn, $0, Int32(b.count)) }
            }
            guard ok == 1 else { throw PostgresError(.connectionLost, Self.errorMessage(conn), query: sql) }
            buffer.removeAll(keepingCapacity: true)
        }
        for line in lines {
            buffer += line.utf8
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 16 { try flush() }
        }
        try flush()
        guard PQputCopyEnd(conn, nil) == 1 else { throw PostgresError(.connectionLost, Self.errorMessage(conn), query: sql) }
        let rows = try consume(PQgetResult(conn), sql: sql, format: .text)
        while let extra = PQgetResult(conn) { PQclear(extra) }
        return rows.affectedRows
    }

    /// Escapes one value for COPY's text format.
    public static func copyEscape(_ s: String?) -> String {
        guard let s else { return "\\N" }
        // Most values need no escape: return them as they are (no per-character copy).
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    // MARK: - internals

    /// The server-side name of `key`'s statement, preparing it first when this connection has not.
    private func preparedName(_ conn: OpaquePointer, key: PreparedKey) throws -> String {
        if let name = statements[key] { return name }
        if statements.count >= Self.preparedStatementLimit {
            // Only this object's statements exist on the session; dropping them all keeps this simple and
            // bounded (a workload with this many distinct hot texts should not be using the cache).
            let r = PQexec(conn, "DEALLOCATE ALL")
            let ok = PQresultStatus(r) == PGRES_COMMAND_OK
            PQclear(r)
            if ok { statements.removeAll() }
        }
        nextStatement += 1
        let name = "rec_s\(nextStatement)"
        let result = PQprepare(conn, name, key.sql, Int32(key.types.count), key.types.isEmpty ? nil : key.types)
        _ = try consume(result, sql: key.sql, format: .text)
        statements[key] = name
        return name
    }

    /// `26000 prepared statement "…" does not exist` and `0A000 cached plan must not change result type`.
    private static func invalidatesPrepared(_ e: PostgresError) -> Bool {
        e.sqlState == "26000" || (e.sqlState == "0A000" && e.message.contains("cached plan"))
    }

    private func liveHandle() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(.connectionLost, "connection is closed") }
        if PQstatus(handle) != CONNECTION_OK {
            throw PostgresError(.connectionLost, "connection is broken: \(Self.errorMessage(handle))")
        }
        return handle
    }

    private func consume(_ result: OpaquePointer?, sql: String, format: PostgresData.Format) throws -> PostgresRows {
        guard let result else {
            let conn = handle!
            throw PostgresError(PQstatus(conn) == CONNECTION_OK ? .server : .connectionLost, Self.errorMessage(conn), query: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            break
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let message = primary ?? Self.errorMessage(handle!)
            let lost = PQstatus(handle!) != CONNECTION_OK
            throw PostgresError(lost ? .connectionLost : .server, message, sqlState: state, query: sql)
        }
        let nrows = Int(PQntuples(result))
        let ncols = Int(PQnfields(result))
        var columns = [String]()
        var oids = [UInt32]()
        columns.reserveCapacity(ncols)
        for c in 0..<ncols {
            columns.append(String(cString: PQfname(result, Int32(c))))
            oids.append(UInt32(PQftype(result, Int32(c))))
        }
        var cells = [[[UInt8]?]]()
        cells.reserveCapacity(nrows)
        for r in 0..<nrows {
            var row = [[UInt8]?]()
            row.reserveCapacity(ncols)
            for c in 0..<ncols {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    let len = Int(PQgetlength(result, Int32(r), Int32(c)))
                    let p = PQgetvalue(result, Int32(r), Int32(c))!
                    row.append(p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) })
                }
            }
            cells.append(row)
        }
        let tuples = String(cString: PQcmdTuples(result))
        return PostgresRows(columns: columns, columnOIDs: oids, format: format, cells: cells, affectedRows: Int(tuples) ?? 0)
    }

    static func errorMessage(_ conn: OpaquePointer) -> String {
        guard let m = PQerrorMessage(conn) else { return "unknown error" }
        return String(cString: m).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
