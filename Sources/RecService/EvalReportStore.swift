import Foundation
import Postgres
import RecCore

/// The table `eval_reports` (migration 0011): `rec eval` records each run's report, the web console reads them.
/// The report is stored as the JSON `rec eval --json` writes and read back verbatim, so this module needs no
/// knowledge of its shape.
public struct EvalReportStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Stores one run's report.
    ///
    /// - Parameters:
    ///   - label: what the console lists the run as (dataset and split), at most 512 bytes.
    ///   - parameters: the run's settings, as a JSON object.
    ///   - report: the report document (`EvalReport.json()`).
    /// - Returns: the report's id.
    /// - Throws: ``PostgresError`` (`42P01` when the database was not migrated to 0011).
    @discardableResult
    public func record(label: String, parameters: JSONValue, report: [UInt8]) async throws -> Int {
        let text = String(label.prefix(512))
        let rows = try await pool.query(
            "INSERT INTO eval_reports (label, parameters, report) VALUES (\(bind: text.isEmpty ? "rec eval" : text), "
                + "\(bind: PostgresJSON(parameters.jsonText)), \(bind: PostgresJSON(String(decoding: report, as: UTF8.self)))) RETURNING id")
        return try rows.first!.int(0)
    }

    /// The newest `limit` reports (id, time, label) and, in full, the one with `id` (default: the newest).
    public func read(id: Int?, limit: Int) async throws -> JSONValue {
        let list = try await pool.query("SELECT id, created_at, label FROM eval_reports ORDER BY created_at DESC, id DESC LIMIT \(literal: limit)")
        let summaries = try list.map { r -> JSONValue in
            ["id": .number(Double(try r.int(0))), "createdAt": .string(RFC3339.format(try r.date(1))), "label": .string(try r.string(2))]
        }
        var selected: JSONValue = .null
        let newest = try list.first.map { try $0.int(0) }
        let wanted = id ?? newest
        if let wanted {
            let rows = try await pool.query("SELECT id, created_at, label, parameters::text, report::text FROM eval_reports WHERE id = \(bind: wanted)")
            if let r = rows.first {
                selected = [
                    "id": .number(Double(try r.int(0))), "createdAt": .string(RFC3339.format(try r.date(1))), "label": .string(try r.string(2)),
                    "parameters": try JSONValue.parse(Array(try r.string(3).utf8)), "report": try JSONValue.parse(Array(try r.string(4).utf8)),
                ]
            } else if id != nil {
                throw RecServiceError(.notFound, "no evaluation report \(wanted)")
            }
        }
        return ["reports": .array(summaries), "selected": selected]
    }
}
