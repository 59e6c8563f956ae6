/// One HTTP request for an ``HTTPTransport``.
public struct HTTPTransportRequest: Sendable {
    public var method: String
    /// Absolute URL, path already percent-encoded as it must travel.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whole-request timeout (connect + send + wait + receive), seconds.
    public var timeout: Double
    /// Connect timeout, seconds.
    public var connectTimeout: Double
    /// The largest response body accepted; the transfer is aborted as soon as more arrives
    /// (``BedrockError/Code-swift.struct/responseTooLarge``). Nil: no limit.
    public var maxResponseBytes: Int?
    /// Follow up to 5 redirects (image downloads); Bedrock calls never redirect.
    public var followRedirects: Bool
    /// For URLs from untrusted input: every address connected to (after DNS, on every redirect, and a reused
    /// connection's) must pass the policy, else ``BedrockError/Code-swift.struct/destinationRefused``; no proxy is used
    /// (the policy applies to the real destination) and only `http`/`https` are spoken, on redirects too.
    /// Nil (default): unrestricted (Bedrock, credential endpoints).
    public var addressPolicy: AddressPolicy?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeout: Double = 30, connectTimeout: Double = 3, maxResponseBytes: Int? = nil, followRedirects: Bool = false,
                addressPolicy: AddressPolicy? = nil) {
        self.addressPolicy = addressPolicy
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A complete HTTP response.
public struct HTTPTransportResponse: Sendable {
    public var status: Int
    /// Header names as received; look up with ``header(_:)``.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends HTTP requests without blocking the caller's thread.
///
/// - Throws: ``BedrockError`` with a transport code (`dnsFailure`, `connectFailure`, `tlsFailure`, `timeout`,
///   `connectionReset`, `transport`) or `cancelled`.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPTransportRequest) async throws(BedrockError) -> HTTPTransportResponse
}

import Foundation
