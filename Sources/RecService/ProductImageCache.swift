import Foundation
import RecCore

/// Product images the console has shown, up to a byte budget, least recently used out. Keyed by item and
/// image source (the stored URL and the item's version, or the inline image's SHA-256), so a changed image
/// is fetched again.
final class ProductImageCache: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var mediaType: String
        var lastUse: UInt64
    }

    let maxBytes: Int
    private let state = Locked<(entries: [String: Entry], bytes: Int, clock: UInt64)>(([:], 0, 0))

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func get(_ key: String) -> (bytes: [UInt8], mediaType: String)? {
        state.withLock { s in
            guard var e = s.entries[key] else { return nil }
            s.clock += 1
            e.lastUse = s.clock
            s.entries[key] = e
            return (e.bytes, e.mediaType)
        }
    }

    func put(_ key: String, bytes: [UInt8], mediaType: String) {
        guard bytes.count <= maxBytes / 4 else { return }   // one huge image must not flush the rest
        state.withLock { s in
            s.clock += 1
            if let old = s.entries[key] { s.bytes -= old.bytes.count }
            s.entries[key] = Entry(bytes: bytes, mediaType: mediaType, lastUse: s.clock)
            s.bytes += bytes.count
            while s.bytes > maxBytes, let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.bytes -= victim.value.bytes.count
                s.entries[victim.key] = nil
            }
        }
    }

    var usage: (count: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }
}
