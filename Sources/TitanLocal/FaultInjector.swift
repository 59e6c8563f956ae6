import RecCore
import BedrockClient
import Synchronization

/// Rolls the dice of a ``FaultInjection`` for each request (seeded, so reproducible).
final class FaultInjector: Sendable {
    let settings: FaultInjection
    private let generator: Mutex<SeededGenerator>

    init(_ settings: FaultInjection) {
        self.settings = settings
        generator = Mutex(SeededGenerator(seed: settings.seed))
    }

    /// The error to answer this request with, or nil to serve it.
    func nextFault() -> TitanLocalError? {
        guard settings.throttlingRate > 0 || settings.serverErrorRate > 0 else { return nil }
        let (roll, coin) = generator.withLock { g -> (Double, Bool) in
            (Double(g.next() >> 11) / 9_007_199_254_740_992.0, g.next() & 1 == 0)
        }
        if roll < settings.throttlingRate {
            return TitanLocalError(.throttling, "Too many requests, please wait before trying again. (injected by rec titan-local)")
        }
        if roll < settings.throttlingRate + settings.serverErrorRate {
            return coin
                ? TitanLocalError(.serviceUnavailable, "Service is temporarily unavailable. (injected by rec titan-local)")
                : TitanLocalError(.internalServer, "The server encountered an internal error. (injected by rec titan-local)")
        }
        return nil
    }
}
