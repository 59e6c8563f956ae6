import Foundation

/// Bounds how many requests a client has in flight; waiters are served first come, first served.
///
/// A lock rather than an actor so that `release()` is synchronous and can run in a `defer`.
final class ConcurrencyLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { available = max(1, limit) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if available > 0 {
                available -= 1
                lock.unlock()
                c.resume()
            } else {
                waiters.append(c)
                lock.unlock()
            }
        }
    }

    func release() {
        lock.lock()
        if waiters.isEmpty {
            available += 1
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
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
