import Foundation
import RecCore

/// Profiles this process wrote, keyed by space and user (``key(space:user:)``), with the version each was written
/// at (see migration 0003): a batch reads from PostgreSQL only the profiles whose
/// stored version differs, skipping megabytes of vector reads per batch.
///
/// Bounded (FIFO eviction): memory ≈ capacity × (1 to 3) × dimension × 4 bytes.
final class ProfileCache: Sendable {
    let capacity: Int
    private let entries: Locked<FIFOBoundedMap<(version: Int, state: ProfileState)>>

    init(capacity: Int) {
        self.capacity = capacity
        entries = Locked(FIFOBoundedMap(capacity: capacity))
    }

    /// The key of `user`'s profile in `space` (a space name has no `/`, so the key is unambiguous).
    static func key(space: String, user: String) -> String { space + "/" + user }

    /// The cached state under `key` if it is exactly `version`.
    func state(_ key: String, version: Int) -> ProfileState? {
        guard capacity > 0 else { return nil }
        return entries.withLock { entries in
            guard let e = entries[key], e.version == version else { return nil }
            return e.state
        }
    }

    func store(_ states: [(key: String, state: ProfileState, version: Int)]) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            for (key, state, version) in states { entries.insert((version, state), for: key) }
            entries.trim()
        }
    }
}
