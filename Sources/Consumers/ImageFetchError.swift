/// Why a product image could not be fetched.
public struct ImageFetchError: Error, Sendable, CustomStringConvertible {
    /// Transient failures (timeouts, 5xx, 429, connection resets) are worth retrying; the rest
    /// (404, 403, unresolvable host, not an image, too large) mean the URL is broken.
    public let isRetriable: Bool
    public let message: String

    public init(_ message: String, isRetriable: Bool) {
        self.message = message
        self.isRetriable = isRetriable
    }

    public var description: String { "image fetch \(isRetriable ? "failed (transient)" : "failed"): \(message)" }
}
