import Foundation

/// Key-hash → scopes cache (nil scopes cache a miss too, so a flood of bad keys costs no queries).
final class LockedCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (scopes: Set<APIKeyScope>?, expires: Date)] = [:]

    /// `.some(nil)` is a cached miss; `nil` means not cached.
    func get(_ k: String, now: Date) -> Set<APIKeyScope>?? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[k], e.expires > now else { return nil }
        return .some(e.scopes)
    }

    func set(_ k: String, scopes: Set<APIKeyScope>?, expires: Date) {
        lock.lock(); defer { lock.unlock() }
        if entries.count > 10_000 { entries.removeAll() }
        entries[k] = (scopes, expires)
    }

    func removeAll() { lock.lock(); entries.removeAll(); lock.unlock() }
}
