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

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeout: Double = 30, connectTimeout: Double = 3) {
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
