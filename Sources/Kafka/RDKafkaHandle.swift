import CRdKafka

/// Owns one `rd_kafka_t *`. librdkafka documents its handle as thread-safe.
final class RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Context reachable through `rd_kafka_opaque`: released only after `rd_kafka_destroy`.
    private let opaqueOwner: AnyObject?

    /// Creates a client of `type`; takes ownership of `conf` on success.
    init(type: rd_kafka_type_t, conf: OpaquePointer, retaining opaqueOwner: AnyObject? = nil) throws {
        self.opaqueOwner = opaqueOwner
        var errbuf = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errbuf, errbuf.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.client, "rd_kafka_new failed: \(errorText(errbuf))")
        }
        pointer = rk
        // SASL callbacks (OAUTHBEARER token refresh) on librdkafka's background thread when the configuration
        // routed them to the SASL queue (``KafkaOAuthBearer``); otherwise this reports "not enabled", ignored.
        if let error = rd_kafka_sasl_background_callbacks_enable(rk) { rd_kafka_error_destroy(error) }
    }

    deinit { rd_kafka_destroy(pointer) }
}

/// The NUL-terminated text in an error buffer librdkafka filled.
func errorText(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
