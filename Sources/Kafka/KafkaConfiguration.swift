import CRdKafka

/// librdkafka properties for one client. Any property passes through
/// (see librdkafka's CONFIGURATION.md); the wrapper only sets safe defaults.
public struct KafkaConfiguration: Sendable {
    public var properties: [String: String]

    /// - Parameter brokers: `bootstrap.servers`, e.g. `127.0.0.1:29092`.
    public init(brokers: String, properties: [String: String] = [:]) {
        self.properties = ["bootstrap.servers": brokers].merging(properties) { _, new in new }
    }

    public subscript(_ key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Builds a `rd_kafka_conf_t`; the caller owns it until it passes it to `rd_kafka_new`.
    func makeConf() throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
        var errbuf = [CChar](repeating: 0, count: 512)
        for (k, v) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, k, v, &errbuf, errbuf.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // Values may be secrets (sasl.password): name the key only.
                throw KafkaError(.configuration, "invalid librdkafka property \(k): \(errorText(errbuf))")
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
