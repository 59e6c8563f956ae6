import Foundation
import Postgres
import RecCore

/// What folds need of items (the catalog owns `items` and `item_embeddings`): the vector of one embedding space
/// (and its dimension), preferring kind `fused`, then `text`, then `image`, and the categories.
struct ItemFeatureReader: Sendable {
    /// One item as folds see it; `vector` is nil while the item has none of the dimension.
    struct Row {
        var vector: [Float]?
        var categories: [String]
    }

    /// The space's name, written into the statement as a constant (``PostgresIdentifierLiteral``).
    let space: PostgresIdentifierLiteral
    let dimension: Int
    let cache: ItemFeatureCache

    /// Rows of `ids` through the cache (the streaming path; rebuilds and pending folds read fresh rows).
    func readCached(_ ids: [String], on conn: PGConnection) throws -> [String: Row] {
        var (rows, misses) = cache.lookup(ids)
        guard !misses.isEmpty else { return rows }
        let fetched = try read(misses, on: conn)
        cache.store(fetched)
        rows.merge(fetched) { a, _ in a }
        return rows
    }

    /// Rows of `ids` as stored now (an unknown id gets no vector and no categories).
    func read(_ ids: [String], on conn: PGConnection) throws -> [String: Row] {
        guard !ids.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT q.id, it.categories,
                   (SELECT e.embedding FROM item_embeddings e
                     WHERE e.item_id = q.id AND e.space = \(literal: space) AND e.dims = \(bind: dimension)
                     ORDER BY CASE e.kind WHEN 'fused' THEN 0 WHEN 'text' THEN 1 ELSE 2 END
                     LIMIT 1)
            FROM unnest(\(bind: BinaryArray.texts(ids))::text[]) AS q(id)
            LEFT JOIN items it ON it.id = q.id
            """, resultFormat: .binary)
        var out = [String: Row]()
        out.reserveCapacity(rows.count)
        for row in rows {
            let id = try row.string(0)
            let categories = try row.bytes(1).map(BinaryArray.decodeTexts) ?? []
            let vector = try row.bytes(2).map { try PGVector.decodeHalfvec($0) }
            out[id] = Row(vector: vector, categories: categories)
        }
        return out
    }
}
