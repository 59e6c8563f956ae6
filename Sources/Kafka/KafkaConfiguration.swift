import CRdKafka

/// librdkafka properties for one client. Any property passes through
/// (see librdkafka's CONFIGURATION.md); the wrapper only sets safe defaults.
public struct KafkaConfiguration: Sendable {
    public var properties: [String: String]
    /// Tokens for `sasl.mechanism=OAUTHBEARER` from the application (Amazon MSK IAM); nil: librdkafka's own
    /// OAUTHBEARER handling (OIDC, or the unsecured JWT for tests) if configured.
    public var oauthBearer: KafkaOAuthBearer?

    /// - Parameter brokers: `bootstrap.servers`, e.g. `127.0.0.1:29092`.
    public init(brokers: String, properties: [String: String] = [:]) {
        self.properties = ["bootstrap.servers": brokers].merging(properties) { _, new in new }
    }

    public subscript(_ key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// The properties a client of `role` takes: those librdkafka documents for the other kind of client only are
    /// left out (a consumer's `session.timeout.ms` given to a producer would print a `CONFWARN`). Unknown
    /// properties stay, so `rd_kafka_conf_set` rejects them by name.
    public func properties(for role: KafkaClientRole) -> [String: String] {
        properties.filter { KafkaPropertyScope.of($0.key)?.applies(to: role) ?? true }
    }

    /// Checks every property against the linked librdkafka (names, values) for both kinds of client, without
    /// creating one.
    ///
    /// - Throws: ``KafkaError`` naming the first property librdkafka refuses (never its value: it may be a secret).
    public func validate() throws {
        for role in KafkaClientRole.allCases { rd_kafka_conf_destroy(try makeConf(for: role)) }
    }

    /// Builds a `rd_kafka_conf_t` for a client of `role`; the caller owns it until it passes it to `rd_kafka_new`.
    func makeConf(for role: KafkaClientRole) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
        var errbuf = [CChar](repeating: 0, count: 512)
        for (k, v) in properties(for: role).sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, k, v, &errbuf, errbuf.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // Values may be secrets (sasl.password): name the key only.
                throw KafkaError(.configuration, "invalid librdkafka property \(k): \(errorText(errbuf))")
            }
        }
        if let oauthBearer {
            do { try oauthBearer.install(on: conf) } catch {
                rd_kafka_conf_destroy(conf)
                throw error
            }
        }
        return conf
    }
}

/// The librdkafka this process runs with (which may differ from the headers it was built against).
public enum KafkaLibrary {
    public static var version: String { String(cString: crdkafka_version_str()) }
    public static var versionNumber: Int { Int(rd_kafka_version()) }
}
