import Foundation

/// Reads CSV (RFC 4180), TSV and JSONL records into the cells of the columns a caller asks for.
///
/// Byte-level on purpose: the interactions of MovieLens-1M are a million rows, and building a
/// `String` only for the cells a caller needs keeps loading around a second in release builds.
/// TSV follows the IANA definition (no quoting: a `"` is an ordinary character), so titles with
/// quotes survive as written; CSV unquotes `"..."` fields, `""` escapes and newlines inside quotes.
struct TableReader {
    enum Format: String, Sendable { case csv, tsv, jsonl }

    /// A logical column: its accepted header names (compared after ``normalize(_:)``) and whether every row needs it.
    struct Column {
        let names: [String]
        let required: Bool
        init(_ names: String..., required: Bool) {
            self.names = names.map(TableReader.normalize)
            self.required = required
        }
    }

    /// Case-insensitive, ignoring `_`/`-`/spaces, and a RecBole type suffix (`user_id:token` → `userid`).
    static func normalize(_ name: String) -> String {
        var s = Substring(name.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("\u{FEFF}") { s = s.dropFirst() }
        if let colon = s.firstIndex(of: ":") { s = s[..<colon] }
        return String(s.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    static func format(of url: URL) throws -> Format {
        switch url.pathExtension.lowercased() {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson": return .jsonl
        default:
            throw EvalError(.unsupportedFormat, "expected a .csv, .tsv or .jsonl file, got '.\(url.pathExtension)'", path: url.path)
        }
    }

    /// Calls `row` once per record with the 1-based line where the record starts, the cells of
    /// `columns` (nil when absent or empty) and which columns the file has at all.
    ///
    /// - Throws: ``EvalError`` with the path and line for a missing required column or cell,
    ///   an unterminated quote or invalid JSON; whatever `row` throws.
    static func read(
        _ url: URL, columns: [Column],
        row: (_ line: Int, _ cells: [String?], _ present: [Bool]) throws -> Void
    ) throws {
        let format = try format(of: url)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EvalError(.unreadable, "cannot read: \(error.localizedDescription)", path: url.path)
        }
        let path = url.path
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            switch format {
            case .csv: try readDelimited(bytes, separator: UInt8(ascii: ","), quoting: true, path: path, columns: columns, row: row)
            case .tsv: try readDelimited(bytes, separator: UInt8(ascii: "\t"), quoting: false, path: path, columns: columns, row: row)
            case .jsonl: try readJSONLines(bytes, path: path, columns: columns, row: row)
            }
        }
    }

    private static func readDelimited(
        _ bytes: UnsafeBufferPointer<UInt8>, separator sep: UInt8, quoting: Bool, path: String, columns: [Column],
        row: (Int, [String?], [Bool]) throws -> Void
    ) throws {
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let n = bytes.count
        var i = 0, line = 1
        var slotOf: [Int]? = nil            // field index → column slot, -1 when unused; nil until the header is read
        var present = [Bool](repeating: false, count: columns.count)
        var headerNames: [String] = []
        var cells = [String?](repeating: nil, count: columns.count)
        var buffer: [UInt8] = []
        while i < n {
            let recordLine = line
            var field = 0
            var nonEmpty = false
            for s in cells.indices { cells[s] = nil }
            while true {
                let isHeader = slotOf == nil
                let slot = isHeader ? -1 : (field < slotOf!.count ? slotOf![field] : -1)
                var value: String? = nil
                if quoting, i < n, bytes[i] == quote {
                    i += 1
                    buffer.removeAll(keepingCapacity: true)
                    while true {
                        guard i < n else {
                            throw EvalError(.badValue, "unterminated quoted field", path: path, dataLine: recordLine)
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote { buffer.append(quote); i += 2; continue }
                            i += 1
                            break
                        }
                        if b == lf { line += 1 }
                        buffer.append(b)
                        i += 1
                    }
                    if i < n, bytes[i] != sep, bytes[i] != cr, bytes[i] != lf {
                        throw EvalError(.badValue, "characters after a closing quote in field \(field + 1)", path: path, dataLine: line)
                    }
                    nonEmpty = true
                    if isHeader || slot >= 0 { value = String(decoding: buffer, as: UTF8.self) }
                } else {
                    let start = i
                    while i < n, bytes[i] != sep, bytes[i] != lf { i += 1 }
                    var end = i
                    if end > start, bytes[end - 1] == cr { end -= 1 }
                    if end > start { nonEmpty = true }
                    if (isHeader || slot >= 0), end > start {
                        value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                    }
                }
                if isHeader { headerNames.append(value ?? "") } else if slot >= 0, let v = value, !v.isEmpty { cells[slot] = v }
                if i < n, bytes[i] == sep { i += 1; field += 1; nonEmpty = true; continue }
                if i < n, bytes[i] == cr { i += 1 }
                if i < n, bytes[i] == lf { i += 1; line += 1 }
                break
            }
            guard nonEmpty else { continue }  // blank line
            guard slotOf != nil else {
                var map = [Int](repeating: -1, count: headerNames.count)
                let normalized = headerNames.map(normalize)
                for (c, column) in columns.enumerated() {
                    // The first accepted name wins, so `title` beats `text` when a file has both.
                    if let f = column.names.lazy.compactMap({ name in normalized.firstIndex(of: name) }).first(where: { map[$0] == -1 }) {
                        map[f] = c
                        present[c] = true
                    } else if column.required {
                        throw EvalError(.missingColumn, "no '\(column.names[0])' column (accepted: \(column.names.joined(separator: ", "))); header is \(headerNames)", path: path, dataLine: recordLine)
                    }
                }
                slotOf = map
                continue
            }
            for (c, column) in columns.enumerated() where column.required && cells[c] == nil {
                throw EvalError(.missingColumn, "empty '\(column.names[0])'", path: path, dataLine: recordLine)
            }
            try row(recordLine, cells, present)
        }
    }

    private static func readJSONLines(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, columns: [Column],
        row: (Int, [String?], [Bool]) throws -> Void
    ) throws {
        let lf = UInt8(ascii: "\n")
        var i = 0, line = 0
        while i < bytes.count {
            line += 1
            let start = i
            while i < bytes.count, bytes[i] != lf { i += 1 }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<i])
            i += 1
            if slice.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any] else {
                    throw EvalError(.badValue, "a JSONL line must be a JSON object", path: path, dataLine: line)
                }
                object = o
            } catch let e as EvalError { throw e } catch {
                throw EvalError(.badValue, "invalid JSON", path: path, dataLine: line)
            }
            var byName: [String: Any] = [:]
            for (k, v) in object where byName[normalize(k)] == nil { byName[normalize(k)] = v }
            var cells = [String?](repeating: nil, count: columns.count)
            var present = [Bool](repeating: false, count: columns.count)
            for (c, column) in columns.enumerated() {
                guard let key = column.names.first(where: { byName[$0] != nil }) else {
                    if column.required {
                        throw EvalError(.missingColumn, "no '\(column.names[0])' key (accepted: \(column.names.joined(separator: ", ")))", path: path, dataLine: line)
                    }
                    continue
                }
                present[c] = true
                cells[c] = try scalar(byName[key]!, path: path, line: line)
                if column.required, cells[c] == nil {
                    throw EvalError(.missingColumn, "empty '\(column.names[0])'", path: path, dataLine: line)
                }
            }
            try row(line, cells, present)
        }
    }

    /// Strings as they are, numbers in their shortest form, arrays joined by `|` (the categories separator).
    private static func scalar(_ value: Any, path: String, line: Int) throws -> String? {
        switch value {
        case is NSNull: return nil
        case let s as String: return s.isEmpty ? nil : s
        case let a as [Any]:
            let parts = try a.compactMap { try scalar($0, path: path, line: line) }
            return parts.isEmpty ? nil : parts.joined(separator: "|")
        case let n as NSNumber:
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 9e15 { return String(Int64(d)) }
            return String(d)
        default:
            throw EvalError(.badValue, "expected a string, number or array, got \(type(of: value))", path: path, dataLine: line)
        }
    }
}
