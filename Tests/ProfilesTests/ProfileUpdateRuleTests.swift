import Foundation
import Testing
import RecCore
@testable import Profiles

@Suite struct ProfileUpdateRuleTests {
    let day: TimeInterval = 86_400
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    let config = try! ProfileConfiguration(dimension: 256)

    func event(_ type: EventType, at t: Date, value: Double? = nil, session: String? = nil, item: String = "p") -> Interaction {
        Interaction(eventID: UUID(), occurredAt: t, userID: "u", itemID: ItemID(item), type: type, value: value, sessionID: session)
    }

    func unit(_ k: Int, dim: Int = 256) -> [Float] {
        var v = [Float](repeating: 0, count: dim); v[k] = 1; return v
    }

    func randomVector(_ g: inout SeededGenerator, dim: Int = 256) -> [Float] {
        (0..<dim).map { _ in Float.random(in: -1...1, using: &g) }
    }

    @Test func halfLifeHalvesOldContributions() {
        let rule = ProfileUpdateRule(configuration: config)
        var s = ProfileState(userID: "u", dimension: 256)
        s = rule.applying(event(.view, at: t0), item: ItemFeatures(vector: unit(0)), to: s)
        s = rule.applying(event(.view, at: t0 + 30 * day), item: ItemFeatures(vector: unit(1)), to: s)
        #expect(abs(s.longTerm.sum[0] - 0.5) < 1e-6)
        #expect(abs(s.longTerm.sum[1] - 1) < 1e-6)
        #expect(s.longTerm.referenceTime == t0 + 30 * day)
        // A late event from 60 days before the reference time counts a quarter.
        s = rule.applying(event(.click, at: t0 - 30 * day), item: ItemFeatures(vector: unit(2)), to: s)
        #expect(abs(s.longTerm.sum[2] - 0.5) < 1e-6) // weight 2 × 1/4
        #expect(s.longTerm.referenceTime == t0 + 30 * day)
        let later = s.longTerm.value(at: t0 + 60 * day, halfLife: config.longTermHalfLife)
        #expect(abs(later[1] - 0.5) < 1e-6)
    }

    @Test func weightsOrderTheEventTypes() {
        let rule = ProfileUpdateRule(configuration: config)
        func magnitude(_ type: EventType, value: Double? = nil) -> Float {
            let s = rule.applying(event(type, at: t0, value: value), item: ItemFeatures(vector: unit(0)), to: ProfileState(userID: "u", dimension: 256))
            return s.longTerm.isEmpty ? 0 : s.longTerm.sum[0]
        }
        #expect(magnitude(.view) == 1)
        #expect(magnitude(.click) == 2)
        #expect(magnitude(.addToCart) == 4)
        #expect(magnitude(.purchase) == 8)
        #expect(magnitude(.rating, value: 5) == 2)
        #expect(magnitude(.rating, value: 3) == 0)
        #expect(magnitude(.dismiss) == 0)
        var custom = config
        custom.weights = try! EventWeights.parse("view=3, neutral=2.5")
        let s = ProfileUpdateRule(configuration: custom).applying(event(.view, at: t0), item: ItemFeatures(vector: unit(0)), to: ProfileState(userID: "u", dimension: 256))
        #expect(s.longTerm.sum[0] == 3)
        #expect(custom.weights.signedWeight(for: .rating, value: 5) == 2.5)
        #expect(throws: RecError.self) { try EventWeights.parse("like=2") }
    }

    @Test func dismissalsAndLowRatingsBuildTheNegativeProfile() {
        let rule = ProfileUpdateRule(configuration: config)
        var s = ProfileState(userID: "u", dimension: 256)
        s = rule.applying(event(.purchase, at: t0, item: "a"), item: ItemFeatures(vector: unit(0), categories: ["shoes"]), to: s)
        s = rule.applying(event(.dismiss, at: t0 + 1, item: "b"), item: ItemFeatures(vector: unit(1), categories: ["hats"]), to: s)
        s = rule.applying(event(.rating, at: t0 + 2, value: 1, item: "c"), item: ItemFeatures(vector: unit(2), categories: ["hats"]), to: s)
        #expect(s.longTerm.sum[1] == 0 && s.longTerm.sum[2] == 0)
        #expect(s.negative.sum[0] == 0)
        #expect(abs(s.negative.sum[1] - 4) < 1e-4)
        #expect(abs(s.negative.sum[2] - 2) < 1e-4)
        #expect(s.categoryAffinity["shoes"] == 8)
        #expect(s.categoryAffinity["hats"] == -6)
        #expect(s.eventCount == 3)
        #expect(s.countsByType == [.purchase: 1, .dismiss: 1, .rating: 1])
        #expect(s.lastEventAt == t0 + 2)
    }

    @Test func aNewSessionIdResetsTheSessionProfile() {
        let rule = ProfileUpdateRule(configuration: config)
        var s = ProfileState(userID: "u", dimension: 256)
        s = rule.applying(event(.view, at: t0, session: "s1"), item: ItemFeatures(vector: unit(0)), to: s)
        s = rule.applying(event(.click, at: t0 + 1800, session: "s1"), item: ItemFeatures(vector: unit(1)), to: s)
        #expect(s.sessionID == "s1")
        #expect(abs(s.session.sum[0] - 0.5) < 1e-6) // session half-life 30 min
        #expect(abs(s.session.sum[1] - 2) < 1e-6)
        s = rule.applying(event(.view, at: t0 + 3600, session: "s2"), item: ItemFeatures(vector: unit(2)), to: s)
        #expect(s.sessionID == "s2")
        #expect(s.session.sum[0] == 0 && s.session.sum[1] == 0 && s.session.sum[2] == 1)
        // The long-term profile keeps everything.
        #expect(s.longTerm.sum[0] > 0 && s.longTerm.sum[1] > 0 && s.longTerm.sum[2] > 0)
        // A late event of the finished session does not bring it back.
        s = rule.applying(event(.purchase, at: t0 + 10, session: "s1"), item: ItemFeatures(vector: unit(3)), to: s)
        #expect(s.sessionID == "s2")
        #expect(s.session.sum[3] == 0)
        // Events without a session id leave the session alone.
        s = rule.applying(event(.purchase, at: t0 + 4000), item: ItemFeatures(vector: unit(4)), to: s)
        #expect(s.session.sum[4] == 0)
    }

    @Test func equalsTheDirectFormula() {
        var g = SeededGenerator(seed: 42)
        let rule = ProfileUpdateRule(configuration: config)
        var s = ProfileState(userID: "u", dimension: 256)
        var events = [(Interaction, [Float])]()
        for _ in 0..<200 {
            let e = event([.view, .click, .addToCart, .purchase].randomElement(using: &g)!, at: t0 + Double.random(in: 0...(90 * day), using: &g))
            events.append((e, randomVector(&g)))
        }
        for (e, v) in events { s = rule.applying(e, item: ItemFeatures(vector: v), to: s) }
        let newest = events.map(\.0.occurredAt).max()!
        var direct = [Double](repeating: 0, count: 256)
        for (e, v) in events {
            let f = Double(config.weights.weight(for: e.type)) * exp2(-newest.timeIntervalSince(e.occurredAt) / config.longTermHalfLife)
            for k in 0..<256 { direct[k] += f * Double(v[k]) }
        }
        #expect(cosine(s.longTerm.sum, direct.map { Float($0) }) > 0.99999)
        #expect(maxRelativeDifference(s.longTerm.sum, direct.map { Float($0) }) < 1e-4)
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func arrivalOrderDoesNotMatter(seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let rule = ProfileUpdateRule(configuration: config)
        let sessions = ["s1", "s2", "s3", nil]
        var events = [(Interaction, ItemFeatures)]()
        for n in 0..<300 {
            // Sessions in time order (s1 then s2 then s3), as clients make them.
            let slot = n * 3 / 300
            let t = t0 + Double(slot) * 7200 + Double.random(in: 0...7000, using: &g)
            let type = EventType.allCases.randomElement(using: &g)!
            let value: Double? = type == .rating ? Double(Int.random(in: 1...5, using: &g)) : nil
            let session = Bool.random(using: &g) ? sessions[slot] : sessions[3]
            let e = event(type, at: t, value: value, session: session, item: "p\(n % 17)")
            events.append((e, ItemFeatures(vector: randomVector(&g), categories: ["c\(n % 5)"])))
        }
        let inOrder = rule.applying(events.sorted { $0.0.occurredAt < $1.0.occurredAt }, to: ProfileState(userID: "u", dimension: 256))
        for _ in 0..<5 {
            let shuffled = rule.applying(events.shuffled(using: &g), to: ProfileState(userID: "u", dimension: 256))
            #expect(maxRelativeDifference(shuffled.longTerm.sum, inOrder.longTerm.sum) < 1e-4)
            #expect(maxRelativeDifference(shuffled.negative.sum, inOrder.negative.sum) < 1e-4)
            #expect(maxRelativeDifference(shuffled.session.sum, inOrder.session.sum) < 1e-4)
            #expect(shuffled.longTerm.referenceTime == inOrder.longTerm.referenceTime)
            #expect(shuffled.session.referenceTime == inOrder.session.referenceTime)
            #expect(shuffled.sessionID == inOrder.sessionID)
            #expect(shuffled.eventCount == inOrder.eventCount)
            #expect(shuffled.countsByType == inOrder.countsByType)
            #expect(shuffled.lastEventAt == inOrder.lastEventAt)
            for (k, v) in inOrder.categoryAffinity { #expect(abs((shuffled.categoryAffinity[k] ?? .nan) - v) < 1e-9) }
        }
        #expect(inOrder.sessionID == "s3")
    }

    @Test func popularityCountersMergeInAnyOrder() {
        var g = SeededGenerator(seed: 9)
        let events = (0..<100).map { _ in (Double.random(in: 0...8, using: &g), t0 + Double.random(in: 0...(20 * day), using: &g)) }
        func total(_ es: [(Double, Date)]) -> PopularityCounter {
            var c = PopularityCounter()
            for (w, t) in es { c.add(weight: w, at: t, halfLife: 7 * day) }
            return c
        }
        let a = total(events), b = total(events.shuffled(using: &g))
        #expect(abs(a.score.log2 - b.score.log2) < 1e-9)
        #expect(a.lastEventAt == b.lastEventAt && a.events == 100)
        let newest = events.map(\.1).max()!
        let direct = events.reduce(0.0) { $0 + $1.0 * exp2(-newest.timeIntervalSince($1.1) / (7 * day)) }
        let value = a.score.value(at: newest, halfLife: 7 * day)
        #expect(abs(value - direct) < 1e-9 * direct)
    }

    @Test func configurationRejectsNonsense() {
        #expect(throws: RecError.self) { try ProfileConfiguration(dimension: 100) }
        #expect(throws: RecError.self) { try ProfileConfiguration(sessionHalfLife: 0) }
    }
}
