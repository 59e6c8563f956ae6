import Foundation
import RecCore

/// Key-hash → scopes cache (nil scopes cache a miss too, so a flood of bad keys costs no queries).
final class APIKeyCache: Sendable {
    private let entries = Locked<[String: (scopes: Set<APIKeyScope>?, expires: Date)]>([:])

    /// `.some(nil)` is a cached miss; `nil` means not cached.
    func get(_ k: String, now: Date) -> Set<APIKeyScope>?? {
        entries.withLock { entries in
            guard let e = entries[k], e.expires > now else { return nil }
            return .some(e.scopes)
        }
    }

    func set(_ k: String, scopes: Set<APIKeyScope>?, expires: Date) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[k] = (scopes, expires)
        }
    }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
