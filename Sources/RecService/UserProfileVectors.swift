import Foundation

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
}
