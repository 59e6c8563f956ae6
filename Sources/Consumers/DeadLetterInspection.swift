import Foundation
import RecCore

/// What `rec dlq inspect` found in one dead-letter topic: the dead letters (the newest ones, up to a limit)
/// and counts of all of them by reason. Encodes as the `--json` document; ``text()`` is the terminal form.
///
/// Payloads, keys and reasons are untrusted: previews escape control characters (``EscapedText``), in the
/// JSON as well as in the text.
public struct DeadLetterInspection: Sendable, Codable, Equatable {
    /// One dead letter.
    public struct Entry: Sendable, Codable, Equatable {
        public var partition: Int32
        public var offset: Int64
        /// When it was dead-lettered (RFC 3339), if the broker gave a timestamp.
        public var time: String?
        /// Where the original was consumed from.
        public var source: DeadLetterRecord.Position?
        public var reason: String
        /// The original payload's size in bytes.
        public var bytes: Int
        /// Too large for the dead-letter topic: the payload stays in the source topic (``source``).
        public var byReference: Bool
        /// SHA-256 of the original payload (lowercase hex).
        public var sha256: String?
        /// The key, escaped (nil: none).
        public var key: String?
        /// The start of the payload, escaped (by-reference records: nil).
        public var preview: String?
        public var previewTruncated: Bool
        /// This dead letter is itself a replay (of the dead letter named) that failed again.
        public var replayedFrom: String?
        /// When `rec dlq replay` re-produced it (nil: not replayed, or the replay log was not consulted).
        public var replayedAt: String?
        /// A replay claimed it but never confirmed it (interrupted).
        public var replayUnconfirmed: Bool?
        /// Why the record could not be read (it is not from rec's dead-letter publisher), when it could not.
        public var malformed: String?
    }

    public struct ReasonCount: Sendable, Codable, Equatable {
        public var reason: String
        public var count: Int
    }

    /// A partition's stored offsets: `low` up to `high - 1`.
    public struct PartitionRange: Sendable, Codable, Equatable {
        public var partition: Int32
        public var low: Int64
        public var high: Int64
    }

    public var topic: String
    /// False when the broker does not know the topic (nothing was ever dead-lettered there).
    public var exists: Bool
    public var partitions: [PartitionRange] = []
    /// Messages read.
    public var read: Int = 0
    /// Dead letters that match the reason filter (all of them when there is none).
    public var matched: Int = 0
    public var byReference: Int = 0
    public var malformed: Int = 0
    /// Matched dead letters by reason, most frequent first.
    public var byReason: [ReasonCount] = []
    /// The newest matched dead letters (at most the limit), in partition and offset order.
    public var entries: [Entry] = []
    /// The reason filter (case-insensitive substring), if any.
    public var reasonFilter: String?
    /// Whether replays were looked up in the replay log (`DATABASE_URL` set and migrated).
    public var replayLogConsulted: Bool = false

    public init(topic: String, exists: Bool) {
        self.topic = topic
        self.exists = exists
    }

    /// Characters of payload shown per dead letter.
    public static let previewCharacters = 160

    /// The entry for `record`.
    static func entry(_ record: DeadLetterRecord) -> Entry {
        var preview: String?, truncated = false
        if case .inline(let bytes) = record.payload {
            (preview, truncated) = EscapedText.preview(bytes, maxCharacters: previewCharacters)
        }
        return Entry(partition: record.position.partition, offset: record.position.offset, time: record.timestamp.map(RFC3339.format),
                     source: record.source, reason: record.reason, bytes: record.size, byReference: record.isByReference, sha256: record.sha256,
                     key: record.key.map { EscapedText.preview($0, maxCharacters: 64).text }, preview: preview, previewTruncated: truncated,
                     replayedFrom: record.replayedFrom.map(EscapedText.escape))
    }

    /// The entry for a message that is not a readable dead letter.
    static func malformedEntry(partition: Int32, offset: Int64, time: Date?, bytes: [UInt8], error: DeadLetterError) -> Entry {
        let (preview, truncated) = EscapedText.preview(bytes, maxCharacters: previewCharacters)
        return Entry(partition: partition, offset: offset, time: time.map(RFC3339.format), source: nil, reason: "", bytes: bytes.count,
                     byReference: false, sha256: nil, key: nil, preview: preview, previewTruncated: truncated, malformed: error.message)
    }

    /// The terminal form: a header line per topic, three lines per dead letter, the counts by reason.
    public func text() -> String {
        guard exists else { return "\(topic): no such topic (nothing was dead-lettered there yet)\n" }
        var out = "\(topic): "
        let filter = reasonFilter.map { " with reason containing '\(EscapedText.escape($0))'" } ?? ""
        out += "\(matched) dead letter\(matched == 1 ? "" : "s")\(filter)"
        if byReference > 0 { out += ", \(byReference) by reference" }
        if malformed > 0 { out += ", \(malformed) malformed" }
        out += " (" + partitions.map { $0.low < $0.high ? "partition \($0.partition): offsets \($0.low)-\($0.high - 1)" : "partition \($0.partition): empty" }
            .joined(separator: "; ") + ")\n"
        if entries.count < matched {
            out += "showing the newest \(entries.count) (--limit)\n"
        }
        for e in entries {
            var head = "  \(e.partition):\(e.offset)  \(e.time ?? "-")"
            if let s = e.source { head += "  from \(EscapedText.escape(s.description))" }
            head += "  \(Self.size(e.bytes))"
            if e.byReference { head += "  BY REFERENCE" }
            if let k = e.key { head += "  key \(k)" }
            if let at = e.replayedAt { head += "  replayed \(at)" } else if e.replayUnconfirmed == true { head += "  replay unconfirmed" }
            out += head + "\n"
            if let m = e.malformed {
                out += "      malformed: \(EscapedText.escape(m))\n"
            } else {
                out += "      reason:  \(EscapedText.escape(e.reason))\n"
            }
            if let from = e.replayedFrom { out += "      a replay of \(from) that failed again\n" }
            if e.byReference, let s = e.source {
                out += "      payload: not in the dead letter; \(e.bytes) bytes at \(EscapedText.escape(s.description)), sha256 \(e.sha256 ?? "?")\n"
            } else if let p = e.preview {
                out += "      payload: \(p)\(e.previewTruncated ? "…" : "")\n"
            }
        }
        if !byReason.isEmpty {
            out += "  by reason:\n"
            let width = String(byReason.map(\.count).max() ?? 0).count
            for r in byReason {
                let n = String(r.count)
                out += "    " + String(repeating: " ", count: width - n.count) + n + "  " + EscapedText.escape(r.reason.isEmpty ? "(no reason)" : r.reason) + "\n"
            }
        }
        return out
    }

    /// `532 B`, `14.2 KB`, `6.3 MB` (powers of 1000).
    static func size(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["KB", "MB", "GB"]
        var v = Double(bytes) / 1000
        var u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return String(format: "%.1f", v) + " " + units[u]
    }
}
