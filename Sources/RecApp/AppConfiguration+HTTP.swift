import Foundation
import RecService
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rec serve`'s connection limits and read timeouts from the environment (command-line options override them).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `REC_HTTP_HEADER_TIMEOUT_S` | seconds for a whole request head, from accept or the request's first byte | 10 |
/// | `REC_HTTP_BODY_TIMEOUT_S` | seconds for a whole request body, from its head | 30 |
/// | `REC_HTTP_IDLE_TIMEOUT_S` | seconds a keep-alive connection may wait for its next request | 75 |
/// | `REC_HTTP_MAX_CONNECTIONS` | open connections | half the open-file limit, 16...4096 |
/// | `REC_HTTP_MAX_CONNECTIONS_PER_CLIENT` | open connections per IPv4 address or IPv6 /64 | an eighth of the limit |
extension AppConfiguration {
    /// The settings; each argument, when set, overrides its variable.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is not a number, or the settings' own
    ///   validation error.
    public func httpConnectionSettings(headerTimeout: Double? = nil, bodyTimeout: Double? = nil, idleTimeout: Double? = nil,
                                maxConnections: Int? = nil, maxConnectionsPerClient: Int? = nil) throws -> HTTPConnectionSettings {
        func seconds(_ key: String, _ flag: Double?, _ d: Duration) throws -> Duration {
            if let flag { return .milliseconds(Int64((flag * 1000).rounded())) }
            guard let raw = environment[key], !raw.isEmpty else { return d }
            guard let v = Double(raw), v > 0, v <= 86_400 else { throw ConfigurationError("\(key) must be a number of seconds, more than 0 and at most 86400") }
            return .milliseconds(Int64((v * 1000).rounded()))
        }
        func count(_ key: String, _ flag: Int?) throws -> Int? {
            if let flag { return flag }
            guard let raw = environment[key], !raw.isEmpty else { return nil }
            guard let v = Int(raw), v >= 1 else { throw ConfigurationError("\(key) must be a positive integer") }
            return v
        }
        return try HTTPConnectionSettings(
            headerTimeout: try seconds("REC_HTTP_HEADER_TIMEOUT_S", headerTimeout, HTTPConnectionSettings.defaultHeaderTimeout),
            bodyTimeout: try seconds("REC_HTTP_BODY_TIMEOUT_S", bodyTimeout, HTTPConnectionSettings.defaultBodyTimeout),
            idleTimeout: try seconds("REC_HTTP_IDLE_TIMEOUT_S", idleTimeout, HTTPConnectionSettings.defaultIdleTimeout),
            maxConnections: try count("REC_HTTP_MAX_CONNECTIONS", maxConnections)
                ?? HTTPConnectionSettings.defaultMaxConnections(openFileLimit: Self.openFileLimit()),
            maxConnectionsPerClient: try count("REC_HTTP_MAX_CONNECTIONS_PER_CLIENT", maxConnectionsPerClient))
    }

    /// The soft `RLIMIT_NOFILE` of this process (1,024 when it cannot be read).
    public static func openFileLimit() -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
        let ok = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0
        #else
        let ok = getrlimit(RLIMIT_NOFILE, &limit) == 0
        #endif
        // RLIM_INFINITY is all ones: clamped to Int.max, then capped by the default's own maximum.
        return ok ? Int(clamping: limit.rlim_cur) : 1024
    }
}
