import Foundation
import Profiles

/// The vectors of a stored user profile (unnormalized decayed sums; only their directions matter here).
public struct UserProfileVectors: Sendable {
    public var longTerm: [Float]?
    public var session: [Float]?
    public var sessionAt: Date?
    public var negative: [Float]?

    public init(longTerm: [Float]?, session: [Float]?, sessionAt: Date?, negative: [Float]?) {
        self.longTerm = longTerm
        self.session = session
        self.sessionAt = sessionAt
        self.negative = negative
    }

    /// The vectors of a stored profile (nil where it has none).
    init(_ state: ProfileState) {
        func vector(_ d: DecayedVector) -> [Float]? { d.isEmpty ? nil : d.sum }
        self.init(longTerm: vector(state.longTerm), session: vector(state.session), sessionAt: state.session.referenceTime,
                  negative: vector(state.negative))
    }
}
