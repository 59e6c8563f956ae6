import Foundation
import RecCore

/// Bounds how many requests a client has in flight; waiters are served first come, first served.
///
/// A lock rather than an actor so that `release()` is synchronous and can run in a `defer`.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Locked<State>

    init(limit: Int) { state = Locked(State(available: max(1, limit))) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { s -> Bool in
                guard s.available > 0 else { s.waiters.append(c); return false }
                s.available -= 1
                return true
            }
            if admitted { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.available += 1; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Spaces requests evenly so that a client stays under a requests-per-minute quota instead of living on 429s.
///
/// Each request reserves the next slot `60 / rpm` seconds after the previous one (no bursts), and sleeps until it.
actor RequestRateLimiter {
    private let interval: Double
    private var nextSlot: ContinuousClock.Instant?

    init(requestsPerMinute: Int) { interval = 60 / Double(max(1, requestsPerMinute)) }

    func reserve() -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        let slot = max(now, nextSlot ?? now)
        nextSlot = slot.advanced(by: .seconds(interval))
        return slot
    }
}
