import Foundation
import RecCore

/// The token bucket that bounds retries across all requests of one client (SDK standard mode).
///
/// Each retry takes ``RetryPolicy/retryCost`` (or ``RetryPolicy/timeoutRetryCost``) tokens; when the bucket
/// cannot pay, the error is returned instead of retried, so a storm of 503s costs roughly one request each.
/// A success returns ``RetryPolicy/successRefund`` tokens, or the cost of its own last retry.
public final class RetryBudget: Sendable {
    private let tokens: Locked<Int>
    private let policy: RetryPolicy

    public init(policy: RetryPolicy) {
        self.policy = policy
        tokens = Locked(policy.budgetCapacity)
    }

    /// Tokens left.
    public var available: Int { tokens.current }

    /// Takes the cost of one retry; `nil` when the budget is exhausted.
    public func acquire(afterTimeout: Bool) -> Int? {
        let cost = afterTimeout ? policy.timeoutRetryCost : policy.retryCost
        return tokens.withLock { tokens -> Int? in
            guard tokens >= cost else { return nil }
            tokens -= cost
            return cost
        }
    }

    /// Records a success: refunds `retryCost` if the request was retried, else ``RetryPolicy/successRefund``.
    public func recordSuccess(retryCost: Int?) {
        tokens.withLock { $0 = min(policy.budgetCapacity, $0 + (retryCost ?? policy.successRefund)) }
    }
}
