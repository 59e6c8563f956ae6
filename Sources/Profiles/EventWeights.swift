import Foundation
import RecCore

/// How much each interaction type moves a profile. Negative weights feed the dislike profile.
///
/// A rating moves the profile by `weight(.rating) × (value − ratingNeutral)`:
/// above neutral it adds to the long-term profile, below neutral the absolute
/// amount goes to the negative profile, and exactly neutral only counts.
public struct EventWeights: Sendable, Equatable {
    public var weights: [EventType: Float]
    /// The rating that says neither like nor dislike. Default: 3 (of 5).
    public var ratingNeutral: Float

    /// Default: view 1, click 2, add_to_cart 4, purchase 8, rating 1 a star around neutral 3, dismiss -4.
    public static let `default` = EventWeights(weights: [
        .view: 1, .click: 2, .addToCart: 4, .purchase: 8, .rating: 1, .dismiss: -4,
    ])

    public init(weights: [EventType: Float], ratingNeutral: Float = 3) {
        self.weights = weights
        self.ratingNeutral = ratingNeutral
    }

    public func weight(for type: EventType) -> Float { weights[type] ?? 0 }

    /// Largest absolute weight ``parse(_:base:)`` accepts.
    public static let maxWeight: Float = 1_000

    /// The signed weight of one event: positive feeds the long-term and session
    /// profiles, negative (its absolute value) feeds the negative profile.
    ///
    /// - Parameters:
    ///   - type: the event type.
    ///   - value: the rating for `.rating`; a rating without a value weighs 0.
    public func signedWeight(for type: EventType, value: Double?) -> Float {
        let w = weight(for: type)
        guard type == .rating else { return w }
        guard let value, value.isFinite else { return 0 }
        return w * (Float(value) - ratingNeutral)
    }

    /// How much one event counts for popularity and behavioural transitions: what the user engaged with,
    /// liked or not. Positive weights count as they are; a rating says the user consumed the item, so it
    /// counts like a view plus its positive part (a 2-star rating is still a film someone watched); a
    /// dismissal counts 0.
    public func engagementWeight(for type: EventType, value: Double?) -> Float {
        let w = signedWeight(for: type, value: value)
        guard type == .rating else { return max(w, 0) }
        return weight(for: .view) + max(w, 0)
    }

    /// Parses `view=1,click=2,add_to_cart=4,purchase=8,rating=1,dismiss=-4,neutral=3`
    /// (any subset; unnamed types keep their defaults).
    ///
    /// - Throws: ``RecError`` `configuration` for an unknown name or a non-number.
    public static func parse(_ text: String, base: EventWeights = .default) throws -> EventWeights {
        var out = base
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let number = Float(kv[1]), number.isFinite else {
                throw RecError(.configuration, "event weight '\(part)' is not name=number")
            }
            if kv[0] == "neutral" {
                guard (0...5).contains(number) else { throw RecError(.configuration, "the neutral rating must be from 0 to 5") }
                out.ratingNeutral = number
                continue
            }
            // Larger weights overflow a profile vector's Float sums to infinity, which pgvector rejects.
            guard abs(number) <= maxWeight else { throw RecError(.configuration, "event weight '\(part)' must be from -\(Int(maxWeight)) to \(Int(maxWeight))") }
            guard let type = EventType(rawValue: kv[0]) else {
                throw RecError(.configuration, "unknown event type '\(kv[0])' in event weights")
            }
            out.weights[type] = number
        }
        return out
    }
}
