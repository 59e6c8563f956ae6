import BedrockClient
import COpenSSL
import EmbeddingSpaces
import Foundation
import Postgres

/// The decisions of one round of catalog ingest, as values computed from the batch and the stored state
/// alone: which event wins per product, which events are stale or superseded, what to delete, which Titan
/// inputs each product needs and which of them must be embedded (the rest are unchanged or cached).
/// ``CatalogIngest`` is the executor: it reads the state, fetches images, embeds and writes.
struct IngestPlan: Sendable {
    typealias Event = (index: Int, event: CatalogEvent)

    /// One Titan input of one item in one embedding space.
    struct Piece: Sendable, Equatable {
        var space: PostgresIdentifierLiteral = EmbeddingSpace.defaultName
        var model: String = ""
        var dims: Int = 0
        var kind: String
        var text: String?
        var image: [UInt8]?
        var hash: [UInt8]

        /// Where its vector is stored: `space/kind` (the keys of the stored hashes).
        var slot: String { Self.slot(space: space.value, kind: kind) }
        static func slot(space: String, kind: String) -> String { space + "/" + kind }
    }

    /// An upsert that won and is newer than the stored state.
    struct Candidate: Sendable {
        var index: Int
        var eventID: UUID
        var occurredAt: Date
        var product: CatalogProduct
        /// Inline bytes, or the fetched URL's once fetched.
        var image: [UInt8]?
        var imageError: String?
        var pieces: [Piece] = []
        /// Whether the image still has to be fetched.
        var imageURL: String? {
            if image == nil, imageError == nil, case .url(let u)? = product.image { return u }
            return nil
        }
    }

    /// The newest event per product (a delete wins a tie, then the later message), and the others by product.
    static func winners(_ events: [Event]) -> (winners: [String: Event], superseded: [String: [Event]]) {
        var winners = [String: Event]()
        for d in events {
            guard let cur = winners[d.event.productID] else { winners[d.event.productID] = d; continue }
            if isNewer(d, than: cur) { winners[d.event.productID] = d }
        }
        let superseded = Dictionary(grouping: events.filter { winners[$0.event.productID]?.index != $0.index }, by: \.event.productID)
        return (winners, superseded)
    }

    static func isNewer(_ a: Event, than b: Event) -> Bool {
        if a.event.occurredAt != b.event.occurredAt { return a.event.occurredAt > b.event.occurredAt }
        let aDelete: Bool = { if case .deleted = a.event { return true }; return false }()
        let bDelete: Bool = { if case .deleted = b.event { return true }; return false }()
        if aDelete != bDelete { return aDelete }
        return a.index > b.index
    }

    /// What the round writes without Titan: deletes, and every settled event (stale winners, deletes and the
    /// events they supersede).
    var settled = CatalogStore.Writes()
    /// Upserts to embed and write, in no particular order.
    var candidates: [Candidate] = []

    /// Sorts the winners against the stored versions: an upsert applies only if newer than `version_at`, a
    /// delete if not older (deletes are tombstones, so a stale upsert arriving later stays ignored).
    /// `imageErrors`: events whose image the endpoint rejected in an earlier round, embedded text-only now.
    init(winners: [String: Event], superseded: [String: [Event]], versions: [String: Date], imageErrors: [Int: String] = [:]) {
        func settle(_ id: String) {
            for s in superseded[id] ?? [] { settled.processed.append((s.event.eventID, id)) }
        }
        for (id, w) in winners.sorted(by: { $0.value.index < $1.value.index }) {
            if let stored = versions[id] {
                let stale: Bool
                if case .deleted = w.event { stale = w.event.occurredAt < stored } else { stale = w.event.occurredAt <= stored }
                if stale {
                    settled.processed.append((w.event.eventID, id))
                    settle(id)
                    continue
                }
            }
            switch w.event {
            case .deleted(let eventID, let at, _):
                settled.deletes.append(.init(id: id, occurredAt: at))
                settled.processed.append((eventID, id))
                settle(id)
            case .upserted(let eventID, let at, let product):
                var c = Candidate(index: w.index, eventID: eventID, occurredAt: at, product: product)
                if let reason = imageErrors[w.index] {
                    c.product.image = nil  // the endpoint rejected it: text-only, with the reason stored
                    c.imageError = reason
                } else if case .inline(let bytes)? = product.image {
                    c.image = bytes
                }
                candidates.append(c)
            }
        }
    }

    /// The Titan inputs of a candidate whose image is settled (fetched, inline, or given up on), in one space.
    static func pieces(caption: String, image: [UInt8]?, mode: EmbeddingSpace.Mode, space: PostgresIdentifierLiteral = EmbeddingSpace.defaultName,
                       hash: (_ kind: String, _ text: String?, _ image: [UInt8]?) -> [UInt8]) -> [Piece] {
        func piece(_ kind: String, _ text: String?, _ image: [UInt8]?) -> Piece { Piece(space: space, kind: kind, text: text, image: image, hash: hash(kind, text, image)) }
        switch mode {
        case .fused: return [piece("fused", caption, image)]
        case .separate: return [piece("text", caption, nil)] + (image.map { [piece("image", nil, $0)] } ?? [])
        }
    }

    /// The model inputs of a candidate in every space of `targets`, each with that space's model, dimension and
    /// mode, its caption cut to the text limit of the model's family, and the content hash of the model (as
    /// `identity` names it: with the endpoint's vector version) and dimension (two spaces of the same model and
    /// dimension share their hashes, hence their embedding calls).
    ///
    /// - Parameters:
    ///   - caption: the uncut caption (``CatalogCaption/full(title:description:)``).
    ///   - identity: how the embedding client treats a model id (``TitanEmbeddingClient/identity(ofModel:vectorVersion:)``).
    static func pieces(caption: String, image: [UInt8]?, targets: [EmbeddingSpace], identity: (String) -> EmbeddingModelIdentity) -> [Piece] {
        targets.flatMap { t in
            let model = identity(t.model)
            return pieces(caption: CatalogCaption.cut(caption, family: model.family).text, image: image, mode: t.mode, space: t.name) { kind, text, image in
                ContentHash.of(model: model.hashModel, dimensions: t.dims, kind: kind, text: text, image: image)
            }.map { p in
                var p = p
                p.model = t.model
                p.dims = t.dims
                return p
            }
        }
    }

    /// The pieces whose stored vector differs (`stored`: item → ``Piece/slot`` → content hash), once per distinct
    /// hash, and how many pieces are unchanged.
    static func changedPieces(_ candidates: [Candidate], stored: [String: [String: [UInt8]]]) -> (needed: [[UInt8]: Piece], unchanged: Int) {
        var needed = [[UInt8]: Piece]()
        var total = 0
        for c in candidates {
            total += c.pieces.count
            for p in c.pieces where stored[c.product.id]?[p.slot] != p.hash { needed[p.hash] = p }
        }
        return (needed, total - needed.count)
    }

    /// Which candidates can be written at once (`ready`, by position in `candidates`) and which wait for
    /// embeddings: per missing hash, the candidates waiting for it; per candidate, how many hashes it awaits.
    static func schedule(_ candidates: [Candidate], stored: [String: [String: [UInt8]]], have: Set<[UInt8]>)
        -> (ready: [Int], waiting: [[UInt8]: [Int]], remaining: [Int: Int]) {
        var ready = [Int](), waiting = [[UInt8]: [Int]](), remaining = [Int: Int]()
        for (i, c) in candidates.enumerated() {
            let missing = Set(c.pieces.filter { stored[c.product.id]?[$0.slot] != $0.hash && !have.contains($0.hash) }.map(\.hash))
            if missing.isEmpty {
                ready.append(i)
            } else {
                remaining[i] = missing.count
                for h in missing { waiting[h, default: []].append(i) }
            }
        }
        return (ready, waiting, remaining)
    }
}

/// The catalog's content hash: SHA-256 over a versioned, length-prefixed encoding of model, dimension, kind,
/// caption bytes and image bytes. Equal hashes mean equal Titan input, so the vector can be reused.
enum ContentHash {
    static func of(model: String, dimensions: Int, kind: String, text: String?, image: [UInt8]?) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(64 + (text?.utf8.count ?? 0) + (image?.count ?? 0))
        func field(_ bytes: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { b += $0 }
            b += bytes
        }
        field(Array("rec.catalog.v1".utf8))
        field(Array(model.utf8))
        field(Array(String(dimensions).utf8))
        field(Array(kind.utf8))
        b.append(text == nil ? 0 : 1)
        field(Array((text ?? "").utf8))
        b.append(image == nil ? 0 : 1)
        field(image ?? [])
        return SHA256Digest.hash(b)
    }
}

/// SHA-256 through OpenSSL's one-shot function (content hashes, DLQ payload references).
enum SHA256Digest {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in _ = SHA256(b.baseAddress, b.count, o.baseAddress) }
        }
        return out
    }

    /// Lowercase hexadecimal of `bytes` (a digest, a content hash).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
