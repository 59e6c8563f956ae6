import RecCore

/// How much each interaction type moves a profile. Negative weights feed the dislike profile.
public struct EventWeights: Sendable, Equatable {
    public var weights: [EventType: Float]

    /// Default: view 1, click 2, add_to_cart 4, purchase 8, rating 1 a star around neutral, dismiss -4.
    public static let `default` = EventWeights(weights: [
        .view: 1, .click: 2, .addToCart: 4, .purchase: 8, .rating: 1, .dismiss: -4,
    ])

    public init(weights: [EventType: Float]) { self.weights = weights }

    public func weight(for type: EventType) -> Float { weights[type] ?? 0 }
}
