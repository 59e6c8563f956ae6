import Foundation
import Testing
@testable import Evaluation

@Suite struct EvalSplitTests {
    private func event(_ user: String, _ item: String, _ time: Double, _ index: Int) -> EvalEvent {
        EvalEvent(user: user, item: item, type: .view, time: Date(timeIntervalSince1970: time), index: index)
    }

    @Test func leaveLastOutTargetsStrictnessAndTraining() throws {
        let events = [
            event("u2", "q", 300, 0), event("u1", "x", 100, 1), event("u2", "p", 100, 2),
            event("u1", "y", 200, 3), event("u1", "z", 200, 4), event("u3", "solo", 50, 5),
        ]
        let split = try EvalSplit(events, protocol: .leaveLastOut)
        #expect(split.cases.map(\.user) == ["u1", "u2"])   // u3 has a single event: nothing to hold out
        let u1 = split.cases[0], u2 = split.cases[1]
        // u1's last two events share a second: the seeded tie-break chose the target, so it is not strict.
        #expect(["y", "z"].contains(u1.target))
        #expect(!u1.strict)
        #expect(u1.history.map(\.item) == ["x", u1.target == "y" ? "z" : "y"])
        #expect(u2.target == "q" && u2.strict && u2.asOf == Date(timeIntervalSince1970: 300))
        #expect(u2.history.map(\.item) == ["p"])
        #expect(split.strictCases.map(\.user) == ["u2"])
        // Training: everything but the two targets, in time order (a replay's feed order).
        #expect(split.train.count == 4)
        #expect(split.train.map(\.time.timeIntervalSince1970) == split.train.map(\.time.timeIntervalSince1970).sorted())
        #expect(!split.train.contains { $0.user == "u2" && $0.item == "q" })
    }

    @Test func tiesAreNotBrokenByItemOrder() throws {
        // 40 users each rate the same 12 items in one second; ordering by id would always hold out "i11".
        var events: [EvalEvent] = []
        for u in 0..<40 {
            for i in 0..<12 { events.append(event("u\(u)", "i\(String(format: "%02d", i))", 1000, events.count)) }
        }
        let split = try EvalSplit(events, protocol: .leaveLastOut, seed: 7)
        let targets = Set(split.cases.map(\.target))
        #expect(targets.count >= 5)
        #expect(split.cases.allSatisfy { !$0.strict })
        // Reproducible for one seed, different for another.
        #expect(try EvalSplit(events, protocol: .leaveLastOut, seed: 7).cases == split.cases)
        #expect(try EvalSplit(events, protocol: .leaveLastOut, seed: 8).cases.map(\.target) != split.cases.map(\.target))
    }

    @Test func globalTimeHoldsOutFirstEventAfterTheQuantile() throws {
        let events = [
            event("u1", "a", 1, 0), event("u1", "b", 2, 1), event("u1", "c", 8, 2), event("u1", "d", 9, 3),
            event("u2", "a", 3, 4), event("u2", "e", 4, 5),
            event("u3", "f", 6, 6), event("u3", "g", 7, 7),
        ]
        // Times sorted: 1 2 3 4 6 7 8 9; the 0.5 quantile is element 4 → cutoff 6; training is time < 6.
        let split = try EvalSplit(events, protocol: .globalTime(trainFraction: 0.5))
        #expect(split.train.map(\.item) == ["a", "b", "a", "e"])
        // u2 has nothing after the cutoff, u3 nothing before it: only u1 is tested, on c (its first event ≥ 6).
        #expect(split.cases == [EvalCase(user: "u1", target: "c", asOf: Date(timeIntervalSince1970: 8), strict: true,
                                         history: [events[0], events[1]])])
        #expect(throws: EvalError.self) { try EvalSplit(events, protocol: .globalTime(trainFraction: 1)) }
    }

    @Test func validationSplitsTheTrainingEventsOnly() throws {
        let events = (0..<4).map { event("u", "i\($0)", Double($0), $0) } + (0..<3).map { event("v", "j\($0)", Double($0), 10 + $0) }
        let split = try EvalSplit(events, protocol: .leaveLastOut)
        let validation = try split.validation()
        #expect(split.cases.map(\.target) == ["i3", "j2"])
        #expect(validation.cases.map(\.target) == ["i2", "j1"])
        #expect(validation.train.count == 3)
        #expect(!validation.train.contains { ["i3", "j2"].contains($0.item) })
    }
}
