import Foundation

/// One numbered SQL migration file (`0001_initial.sql`).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Loads every `NNNN_name.sql` in `directory`, ordered by number.
    ///
    /// - Throws: ``PostgresError/Code/migration`` for a missing folder, a file
    ///   name without a number, or two files with the same number.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresError(.migration, "cannot read migrations folder \(directory.path)")
        }
        var out = [Migration]()
        for file in names where file.hasSuffix(".sql") {
            let stem = String(file.dropLast(4))
            guard let us = stem.firstIndex(of: "_"), let v = Int(stem[..<us]), v > 0 else {
                throw PostgresError(.migration, "migration file \(file) must be named NNNN_description.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            out.append(Migration(version: v, name: String(stem[stem.index(after: us)...]), sql: sql))
        }
        out.sort { $0.version < $1.version }
        for (a, b) in zip(out, out.dropFirst()) where a.version == b.version {
            throw PostgresError(.migration, "two migrations numbered \(a.version): \(a.name) and \(b.name)")
        }
        return out
    }
}
