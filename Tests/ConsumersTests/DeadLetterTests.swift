import Foundation
import Kafka
import Testing
@testable import Consumers

/// `rec dlq`'s pure parts: reading back what ``DeadLetterPublisher`` writes, `--offsets`, escaping, the
/// replay log's decisions and the inspection's text. No services.
@Suite struct DeadLetterTests {
    static let original = KafkaMessage(topic: "interactions.v1", partition: 2, offset: 41, key: Array("u7".utf8), value: Array(#"{"eventId":"x"}"#.utf8),
                                       headers: [("trace", Array("abc".utf8))])

    /// `record` as the consumer of its dead-letter topic sees it, at `dlq/0/offset`.
    static func consumed(_ record: KafkaProducerRecord, offset: Int64 = 7) -> KafkaMessage {
        KafkaMessage(topic: record.topic, partition: 0, offset: offset, key: record.key, value: record.value, headers: record.headers, timestampMs: 1_780_000_000_000)
    }

    // MARK: - Record decoding

    @Test func anInlineDeadLetterReadsBackAsTheOriginalWithItsProvenance() throws {
        let dlq = Self.consumed(DeadLetterPublisher.record(Self.original, reason: "invalidField: occurredAt is after ...", topic: "interactions.v1.dlq"))
        let r = try DeadLetterRecord.decode(dlq)
        #expect(r.position == .init(topic: "interactions.v1.dlq", partition: 0, offset: 7))
        #expect(r.source == .init(topic: "interactions.v1", partition: 2, offset: 41))
        #expect(r.reason == "invalidField: occurredAt is after ...")
        #expect(r.payload == .inline(Self.original.value))
        #expect(r.key == Self.original.key)
        #expect(r.headers.map(\.name) == ["trace"], "the dlq-* headers are not the original's")
        #expect(!r.isByReference)
        #expect(r.size == Self.original.value.count)
        #expect(r.sha256 == SHA256Digest.hex(SHA256Digest.hash(Self.original.value)))
        #expect(r.timestamp == Date(timeIntervalSince1970: 1_780_000_000))
        #expect(r.replayedFrom == nil)
    }

    @Test func aByReferenceDeadLetterNamesItsSourceSizeAndHash() throws {
        var big = Self.original
        big.value = [UInt8](repeating: 0x41, count: 3_000_000)
        let dlq = Self.consumed(DeadLetterPublisher.reference(big, reason: "rejected: data exception", topic: "interactions.v1.dlq"))
        let r = try DeadLetterRecord.decode(dlq)
        #expect(r.isByReference)
        #expect(r.payload == .reference(bytes: 3_000_000, sha256: SHA256Digest.hex(SHA256Digest.hash(big.value))))
        #expect(r.source == .init(topic: "interactions.v1", partition: 2, offset: 41))
        #expect(r.reason == "rejected: data exception")
        #expect(r.key == big.key && r.keyKept && r.headersKept)
        #expect(r.headers.map(\.name) == ["trace"], "neither provenance nor dlq-payload")
    }

    @Test func aByReferenceRecordThatDroppedAnOversizeKeySaysSo() throws {
        var big = Self.original
        big.key = [UInt8](repeating: 0x6B, count: DeadLetterPublisher.referenceKeepLimit + 1)
        let r = try DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.reference(big, reason: "x", topic: "t.dlq")))
        #expect(r.key == nil && !r.keyKept && r.headersKept)
    }

    @Test func provenanceIsTheLastOfEachHeaderAndAnOlderReplayHeaderIsReplaced() throws {
        // A replayed message that failed again: it carries dlq-replayed-from from the first replay, and an
        // original header that happens to be called dlq-error must not be taken for the reason.
        var again = Self.original
        again.headers = [("dlq-error", Array("spoofed".utf8)), (DeadLetterPublisher.replayedFromHeader, Array("interactions.v1.dlq/0/3".utf8)), ("trace", Array("abc".utf8))]
        let r = try DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.record(again, reason: "the real reason", topic: "interactions.v1.dlq"), offset: 9))
        #expect(r.reason == "the real reason")
        #expect(r.replayedFrom == "interactions.v1.dlq/0/3")
        let replay = r.replayHeaders()
        #expect(replay.map(\.name) == ["trace", DeadLetterPublisher.replayedFromHeader])
        #expect(replay.last.map { String(decoding: $0.value, as: UTF8.self) } == "interactions.v1.dlq/0/9")
    }

    @Test func messagesNotWrittenByThePublisherAreMalformed() {
        let plain = KafkaMessage(topic: "t.dlq", partition: 0, offset: 1, key: nil, value: Array("hello".utf8))
        #expect(throws: DeadLetterError.self) { try DeadLetterRecord.decode(plain) }
        var badReference = Self.consumed(DeadLetterPublisher.reference(Self.original, reason: "x", topic: "t.dlq"))
        badReference.value = Array(#"{"payload":"reference","topic":"t","partition":0,"offset":1,"bytes":5,"sha256":"nothex"}"#.utf8)
        #expect(throws: DeadLetterError.self) { try DeadLetterRecord.decode(badReference) }
        // The body and the headers disagree on the source position.
        var moved = Self.original
        moved.offset = 99
        var disagreeing = Self.consumed(DeadLetterPublisher.reference(Self.original, reason: "x", topic: "t.dlq"))
        disagreeing.value = DeadLetterPublisher.reference(moved, reason: "x", topic: "t.dlq").value
        #expect(throws: DeadLetterError.self) { try DeadLetterRecord.decode(disagreeing) }
    }

    // MARK: - --offsets

    @Test func offsetsParseMergeAndSelect() throws {
        let s = try DeadLetterSelection(parsing: " 0:12, 0:20-25,1:3,0:13 ,0:24-30")
        #expect(s.offsets == [0: [12...13, 20...30], 1: [3...3]])
        #expect(s.contains(partition: 0, offset: 12) && s.contains(partition: 0, offset: 30) && s.contains(partition: 1, offset: 3))
        #expect(!s.contains(partition: 0, offset: 14) && !s.contains(partition: 1, offset: 4) && !s.contains(partition: 2, offset: 12))
        #expect(s.partitions == [0, 1])
        #expect(s.description == "0:12-13,0:20-30,1:3")
        #expect(DeadLetterSelection.all().contains(partition: 5, offset: 1_000_000))
    }

    @Test(arguments: ["", "12", "0:", ":12", "0:a", "-1:3", "0:-3", "0:5-3", "0:1-2-3", "0:1,,0:2", "0:1:2", "x:1", "0:1e3", "99999999999:1"])
    func badOffsetsAreRejectedWithTheItemNamed(_ text: String) {
        #expect(throws: DeadLetterError.self) { try DeadLetterSelection(parsing: text) }
    }

    @Test func selectedOffsetsMapToWhatTheTopicHolds() throws {
        let s = try DeadLetterSelection(parsing: "0:2-4,0:8,0:15-20")
        // The partition holds 5..<17: 2-4 expired, 17-20 never written.
        #expect(s.readRange(partition: 0, low: 5, high: 17) == 8..<17)
        #expect(s.outside(partition: 0, low: 5, high: 17) == [2...4, 17...20])
        #expect(s.readRange(partition: 1, low: 0, high: 10) == nil, "nothing selected in partition 1")
        #expect(s.readRange(partition: 0, low: 0, high: 0) == nil, "an empty partition")
        #expect(DeadLetterSelection.all().readRange(partition: 3, low: 4, high: 9) == 4..<9)
        #expect(DeadLetterSelection.all().outside(partition: 3, low: 4, high: 9).isEmpty)
    }

    @Test func theReasonFilterIsACaseInsensitiveSubstring() {
        let s = DeadLetterSelection.all(reason: "OCCURREDAT")
        #expect(s.matches(reason: "invalidField: occurredAt is after the window"))
        #expect(!s.matches(reason: "rejected: data exception"))
        #expect(DeadLetterSelection.all(reason: "").matches(reason: "anything"), "an empty filter keeps all")
    }

    // MARK: - Escaping

    @Test func previewsEscapeControlCharactersBidiOverridesAndInvalidUTF8() {
        let bytes: [UInt8] = Array("a\u{1B}[31mred\n\t\u{0}é\u{202E}x".utf8) + [0xFF, 0xC3] + Array("z".utf8)
        let (text, truncated) = EscapedText.preview(bytes, maxCharacters: 100)
        #expect(text == #"a\u{1B}[31mred\n\t\u{00}é\u{202E}x\xFF\xC3z"#)
        #expect(!truncated)
        #expect(EscapedText.escape("back\\slash \u{85}") == #"back\slash \u{85}"#)
    }

    @Test func previewsStopAtTheirLengthInCharactersNotBytes() {
        let (text, truncated) = EscapedText.preview(Array(String(repeating: "é", count: 50).utf8), maxCharacters: 10)
        #expect(text == String(repeating: "é", count: 10))
        #expect(truncated)
        let exact = EscapedText.preview(Array("abc".utf8), maxCharacters: 3)
        #expect(exact.text == "abc" && !exact.truncated)
    }

    @Test func aDeadLetterTopicBelongsToTheTopicItIsNamedAfter() {
        #expect(DeadLetterReplayer.sourceTopic(of: "catalog.v1.dlq") == "catalog.v1")
        #expect(DeadLetterReplayer.sourceTopic(of: Topics.deadLetter(of: "interactions.v1")) == "interactions.v1")
        #expect(DeadLetterReplayer.sourceTopic(of: ".dlq") == nil)
        #expect(DeadLetterReplayer.sourceTopic(of: "custom-dead-letters") == nil)
    }

    // MARK: - Replay log decisions

    @Test func theReplayLogSkipsWhatWasReplayedUnlessForcedAndTakesOverRowsOfAnotherMessage() throws {
        let r = try DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.record(Self.original, reason: "x", topic: "interactions.v1.dlq")))
        let replayed = DeadLetterReplayLog.Entry(source: r.source, sha256: r.sha256, runID: UUID(), claimedAt: Date(), replayedAt: Date(), replays: 1)
        var unconfirmed = replayed
        unconfirmed.replayedAt = nil
        var otherMessage = replayed
        otherMessage.sha256 = String(repeating: "0", count: 64)

        #expect(DeadLetterReplayLog.decide(existing: nil, record: r, force: false) == .insert)
        #expect(DeadLetterReplayLog.decide(existing: replayed, record: r, force: false) == .skip(.alreadyReplayed(replayed)))
        #expect(DeadLetterReplayLog.decide(existing: unconfirmed, record: r, force: false) == .skip(.unconfirmed(unconfirmed)))
        #expect(DeadLetterReplayLog.decide(existing: replayed, record: r, force: true) == .takeOver)
        #expect(DeadLetterReplayLog.decide(existing: unconfirmed, record: r, force: true) == .takeOver)
        // The dead-letter topic was re-created: the same offset now holds another message.
        #expect(DeadLetterReplayLog.decide(existing: otherMessage, record: r, force: false) == .replace)
        #expect(DeadLetterReplayLog.bytes(hex: r.sha256).count == 32)
        #expect(SHA256Digest.hex(DeadLetterReplayLog.bytes(hex: r.sha256)) == r.sha256)
    }

    // MARK: - Inspection

    @Test func theInspectionTextEscapesPayloadsAndCountsByReason() throws {
        var hostile = Self.original
        hostile.value = Array("{\"userId\":\"\u{1B}]0;pwned\u{07}\"}".utf8)
        let inline = try DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.record(hostile, reason: "invalidField: userId contains a control character", topic: "interactions.v1.dlq"), offset: 0))
        var big = Self.original
        big.value = [UInt8](repeating: 0x41, count: 2_500_000)
        let reference = try DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.reference(big, reason: "rejected: 22023", topic: "interactions.v1.dlq"), offset: 1))
        var report = DeadLetterInspection(topic: "interactions.v1.dlq", exists: true)
        report.partitions = [.init(partition: 0, low: 0, high: 2)]
        report.read = 2
        report.matched = 2
        report.byReference = 1
        report.entries = [DeadLetterInspection.entry(inline), DeadLetterInspection.entry(reference)]
        report.entries[1].replayedAt = "2026-06-01T10:00:00.000Z"
        report.byReason = [.init(reason: "invalidField: userId contains a control character", count: 1), .init(reason: "rejected: 22023", count: 1)]
        let text = report.text()
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "no terminal escape reaches the screen")
        #expect(text.contains(#"payload: {"userId":"\u{1B}]0;pwned\u{07}"}"#))
        #expect(text.contains("interactions.v1.dlq: 2 dead letters, 1 by reference (partition 0: offsets 0-1)"))
        #expect(text.contains("0:1  2026-05-28T20:26:40.000Z  from interactions.v1/2/41  2.5 MB  BY REFERENCE  key u7  replayed 2026-06-01T10:00:00.000Z"))
        #expect(text.contains("payload: not in the dead letter; 2500000 bytes at interactions.v1/2/41, sha256 \(reference.sha256)"))
        #expect(text.contains("    1  rejected: 22023"))
        // The JSON form carries the same escaped preview.
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains("\u{1B}"))
        #expect(DeadLetterInspection(topic: "x.dlq", exists: false).text().contains("no such topic"))
    }

    @Test func theInspectionKeepsTheNewestEntriesAndListsThemInOffsetOrder() {
        var window = DeadLetterInspector.EntryWindow(limit: 3)
        for i in 0..<500 {
            var e = DeadLetterInspection.entry(try! DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.record(Self.original, reason: "r", topic: "t.dlq"), offset: Int64(i))))
            e.partition = Int32(i % 2)
            window.add(e, time: Int64(i))
        }
        #expect(window.entries.map { "\($0.partition):\($0.offset)" } == ["0:498", "1:497", "1:499"])
        var all = DeadLetterInspector.EntryWindow(limit: 0)
        for i in 0..<5 { all.add(DeadLetterInspection.entry(try! DeadLetterRecord.decode(Self.consumed(DeadLetterPublisher.record(Self.original, reason: "r", topic: "t.dlq"), offset: Int64(i)))), time: 0) }
        #expect(all.entries.count == 5)
    }
}
