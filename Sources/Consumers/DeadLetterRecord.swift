import Foundation
import Kafka

/// One message of a dead-letter topic, read back: where it sits, where it came from, why it was dead-lettered,
/// and the original's key, headers and payload — or, for a record dead-lettered by reference, where the
/// payload is (see ``DeadLetterPublisher``).
public struct DeadLetterRecord: Sendable {
    /// A message's place in a topic, written `topic/partition/offset`.
    public struct Position: Sendable, Hashable, Codable, CustomStringConvertible {
        public var topic: String
        public var partition: Int32
        public var offset: Int64

        public init(topic: String, partition: Int32, offset: Int64) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
        }

        public var description: String { "\(topic)/\(partition)/\(offset)" }
    }

    /// Where the original payload is.
    public enum Payload: Sendable, Equatable {
        /// The original bytes, carried by the dead letter.
        case inline([UInt8])
        /// Too large for the dead-letter topic: the bytes stay at ``DeadLetterRecord/source`` until the source
        /// topic's retention ends; the record keeps their size and SHA-256 (lowercase hex).
        case reference(bytes: Int, sha256: String)
    }

    /// The dead letter's own place in the dead-letter topic.
    public var position: Position
    /// When it was dead-lettered (the broker's timestamp), if known.
    public var timestamp: Date?
    /// Where the original was consumed from.
    public var source: Position
    /// Why it was dead-lettered (`dlq-error`).
    public var reason: String
    /// The original's key (nil: none, or dropped from a by-reference record, see ``keyKept``).
    public var key: [UInt8]?
    /// The original's headers, without the dead-letter headers (`dlq-*`).
    public var headers: [(name: String, value: [UInt8])]
    public var payload: Payload
    /// False when a by-reference record dropped the original key for its size (the source message has it).
    public var keyKept: Bool
    /// False when a by-reference record dropped the original headers for their size.
    public var headersKept: Bool
    /// The original's `dlq-replayed-from`: this dead letter is a replay that failed again.
    public var replayedFrom: String?

    public var isByReference: Bool {
        if case .reference = payload { return true }
        return false
    }

    /// The original payload's size in bytes.
    public var size: Int {
        switch payload {
        case .inline(let bytes): return bytes.count
        case .reference(let bytes, _): return bytes
        }
    }

    /// The SHA-256 (lowercase hex) of the original payload: with the source position, what identifies a
    /// dead letter in the replay log.
    public var sha256: String {
        switch payload {
        case .inline(let bytes): return SHA256Digest.hex(SHA256Digest.hash(bytes))
        case .reference(_, let sha256): return sha256
        }
    }

    /// The body of a by-reference record, as ``DeadLetterPublisher`` writes it.
    struct Reference: Decodable {
        var payload: String
        var reason: String?
        var topic: String
        var partition: Int32
        var offset: Int64
        var bytes: Int
        var sha256: String
        var keyKept: Bool?
        var headersKept: Bool?
    }

    /// Reads a dead-letter topic's message.
    ///
    /// The dead-letter headers are the last ones (the original's come first, and may include older `dlq-*`
    /// headers of a replay that failed again), so the last occurrence of each counts.
    ///
    /// - Throws: ``DeadLetterError`` `malformedRecord` for a message that `rec`'s dead-letter publisher did not
    ///   write (no source headers) or a by-reference body that does not parse or disagrees with its headers.
    public static func decode(_ message: KafkaMessage) throws(DeadLetterError) -> DeadLetterRecord {
        func last(_ name: String) -> String? {
            message.headers.last { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        let position = Position(topic: message.topic, partition: message.partition, offset: message.offset)
        let headerSource: Position?
        if let topic = last(DeadLetterPublisher.sourceTopicHeader), !topic.isEmpty,
           let p = last(DeadLetterPublisher.sourcePartitionHeader).flatMap({ Int32($0) }), p >= 0,
           let o = last(DeadLetterPublisher.sourceOffsetHeader).flatMap({ Int64($0) }), o >= 0 {
            headerSource = Position(topic: topic, partition: p, offset: o)
        } else {
            headerSource = nil
        }
        let byReference = last(DeadLetterPublisher.payloadHeader) == "reference"
        let original = message.headers.filter { !$0.name.hasPrefix("dlq-") }
        let replayedFrom = message.headers.last { $0.name == DeadLetterPublisher.replayedFromHeader }
            .map { String(decoding: $0.value, as: UTF8.self) }
        var record = DeadLetterRecord(position: position, timestamp: message.timestampMs.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                                      source: headerSource ?? Position(topic: "", partition: -1, offset: -1),
                                      reason: last(DeadLetterPublisher.errorHeader) ?? "", key: message.key, headers: original,
                                      payload: .inline(message.value), keyKept: true, headersKept: true, replayedFrom: replayedFrom)
        if byReference {
            let ref: Reference
            do {
                ref = try JSONDecoder().decode(Reference.self, from: Data(message.value))
            } catch {
                throw DeadLetterError(.malformedRecord, "\(position): the by-reference body is not the JSON the dead-letter publisher writes")
            }
            let refSource = Position(topic: ref.topic, partition: ref.partition, offset: ref.offset)
            guard ref.payload == "reference", ref.bytes >= 0, ref.partition >= 0, ref.offset >= 0, isSHA256(ref.sha256) else {
                throw DeadLetterError(.malformedRecord, "\(position): the by-reference body has an invalid position, size or SHA-256")
            }
            if let headerSource, headerSource != refSource {
                throw DeadLetterError(.malformedRecord, "\(position): the by-reference body names \(refSource) but the headers \(headerSource)")
            }
            record.source = refSource
            record.payload = .reference(bytes: ref.bytes, sha256: ref.sha256.lowercased())
            record.keyKept = ref.keyKept ?? true
            record.headersKept = ref.headersKept ?? true
            if record.reason.isEmpty, let reason = ref.reason { record.reason = reason }
        } else if headerSource == nil {
            throw DeadLetterError(.malformedRecord, "\(position): no \(DeadLetterPublisher.sourceTopicHeader)/partition/offset headers (not written by rec's dead-letter publisher)")
        }
        return record
    }

    /// The headers a replay of this dead letter carries: the original's (no `dlq-*` header, so an older
    /// `dlq-replayed-from` is replaced) and `dlq-replayed-from: <dead-letter topic>/<partition>/<offset>`.
    public func replayHeaders(original: [(name: String, value: [UInt8])]? = nil) -> [(name: String, value: [UInt8])] {
        (original ?? headers).filter { !$0.name.hasPrefix("dlq-") }
            + [(DeadLetterPublisher.replayedFromHeader, Array(position.description.utf8))]
    }

    static func isSHA256(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
    }
}
