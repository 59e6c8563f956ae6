import Foundation
import Kafka
import Profiles
import RecCore
import Testing
@testable import Consumers

/// Large batches are decoded in slices on several tasks: every message must still get
/// its own outcome at its own position, or a valid event would be dead-lettered (or an
/// invalid one folded) in place of its neighbour.
@Suite struct BatchDecodingTests {
    @Test func slicedDecodingKeepsEveryOutcomeInBatchOrder() async throws {
        let count = InteractionPipeline.decodeSlice * 2 + 17
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var messages = [KafkaMessage]()
        var expected = [Interaction?]()
        for i in 0..<count {
            if i % 997 == 5 {
                messages.append(KafkaMessage(topic: "t", partition: 0, offset: Int64(i), key: nil, value: Array("{\"eventId\":\"nope\"}".utf8)))
                expected.append(nil)
                continue
            }
            let e = Interaction(eventID: UUID(), occurredAt: start + Double(i), userID: UserID("u\(i % 31)"), itemID: ItemID("p\(i)"),
                                type: .click, value: nil, sessionID: "s\(i % 7)")
            messages.append(KafkaMessage(topic: "t", partition: 0, offset: Int64(i), key: nil, value: Array(InteractionEvent.encode(e).utf8)))
            expected.append(e)
        }
        let decoded = await InteractionPipeline.decode(messages)
        #expect(decoded.count == count)
        for (position, (index, result)) in decoded.enumerated() {
            #expect(index == position)
            switch result {
            case .success(let interaction):
                #expect(interaction.eventID == expected[index]?.eventID)
                #expect(interaction.itemID == expected[index]?.itemID)
            case .failure:
                #expect(expected[index] == nil)
            }
        }
    }
}
