import CRdKafka
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which clients a librdkafka property applies to, as the linked librdkafka documents it
/// (`rd_kafka_conf_properties_show`, the table CONFIGURATION.md is generated from).
///
/// Passing a consumer-only property to a producer (or the reverse) makes librdkafka print a `CONFWARN`
/// line; ``KafkaConfiguration`` routes each property to the clients it belongs to instead.
public enum KafkaClientRole: String, Sendable, CaseIterable {
    case producer, consumer
}

public enum KafkaPropertyScope: Sendable, Equatable {
    /// `*`: producers and consumers.
    case both
    /// `C`.
    case consumer
    /// `P`.
    case producer

    /// Whether a client of `role` takes the property.
    public func applies(to role: KafkaClientRole) -> Bool {
        switch (self, role) {
        case (.both, _), (.consumer, .consumer), (.producer, .producer): return true
        default: return false
        }
    }

    /// The scope of every property (global and topic) of the linked librdkafka.
    public static let table: [String: KafkaPropertyScope] = parse(propertiesText())

    /// The scope of `property`, nil when librdkafka does not know it.
    public static func of(_ property: String) -> KafkaPropertyScope? { table[property] }

    /// Parses `Property | C/P | Range | Default | Importance | Description` rows.
    static func parse(_ text: String) -> [String: KafkaPropertyScope] {
        var scopes = [String: KafkaPropertyScope]()
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard cells.count >= 2 else { continue }
            let name = cells[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name != "Property", !name.hasPrefix("-"), !name.contains(" ") else { continue }
            switch cells[1].trimmingCharacters(in: .whitespaces) {
            case "*": scopes[name] = .both
            case "C": scopes[name] = .consumer
            case "P": scopes[name] = .producer
            default: continue
            }
        }
        return scopes
    }

    private static func propertiesText() -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "" }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        return buffer.map { String(cString: $0) } ?? ""
    }
}
