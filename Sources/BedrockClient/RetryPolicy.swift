import Foundation

/// How failed requests are retried, as the AWS SDKs' "standard" retry mode.
///
/// Only errors with ``BedrockError/isRetriable`` are retried (throttling, model not ready, 5xx, timeouts,
/// resets); validation, auth and not-found errors fail at once. Each retry waits a full-jitter exponential
/// backoff, or what the server asked for (`Retry-After`, `x-amz-retry-after`), and draws from a shared retry
/// budget so that an outage does not multiply the load on the service.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts including the first. Default: 3.
    public var maxAttempts: Int
    /// Backoff base: the n-th retry waits `random(0..<1) * min(baseDelay * 2^(n-1), maxBackoff)`. Default: 1 s.
    public var baseDelay: Double
    /// Cap of one backoff and of a server-requested delay. Default: 20 s.
    public var maxBackoff: Double
    /// Retry budget tokens, shared by all requests of one client. Default: 500.
    public var budgetCapacity: Int
    /// Tokens a retry costs. Default: 5.
    public var retryCost: Int
    /// Tokens a retry after a timeout costs. Default: 10.
    public var timeoutRetryCost: Int
    /// Tokens returned by a request that succeeded without retrying. Default: 1.
    public var successRefund: Int

    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxBackoff: Double = 20, budgetCapacity: Int = 500,
                retryCost: Int = 5, timeoutRetryCost: Int = 10, successRefund: Int = 1) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxBackoff = max(0, maxBackoff)
        self.budgetCapacity = max(0, budgetCapacity)
        self.retryCost = max(0, retryCost)
        self.timeoutRetryCost = max(0, timeoutRetryCost)
        self.successRefund = max(0, successRefund)
    }

    /// SDK standard mode.
    public static let standard = RetryPolicy()
    /// A single attempt.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before retry number `retry` (1 = first retry).
    ///
    /// - Parameters:
    ///   - serverDelay: what the server asked for, if anything; honoured (capped at ``maxBackoff``) instead of jitter.
    ///   - random: a uniform sample in `0..<1` (injected for tests).
    public func delay(beforeRetry retry: Int, serverDelay: Double? = nil, random: Double = Double.random(in: 0..<1)) -> Double {
        if let serverDelay { return min(max(0, serverDelay), maxBackoff) }
        let exponent = Double(min(max(0, retry - 1), 30))
        return random * min(baseDelay * pow(2, exponent), maxBackoff)
    }

    /// The server-requested delay in seconds from `x-amz-retry-after` (milliseconds) or `Retry-After`
    /// (seconds or an HTTP date).
    public static func serverDelay(headers: [(name: String, value: String)], now: Date = Date()) -> Double? {
        func value(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value.trimmingCharacters(in: .whitespaces)
        }
        if let ms = value("x-amz-retry-after").flatMap(Double.init), ms >= 0 { return ms / 1000 }
        if let ra = value("Retry-After") {
            if let seconds = Double(ra), seconds >= 0 { return seconds }
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = f.date(from: ra) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
