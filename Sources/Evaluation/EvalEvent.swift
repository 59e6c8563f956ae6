import Foundation
import RecCore

/// One interaction of the evaluation data.
public struct EvalEvent: Sendable, Hashable, Codable {
    public var user: String
    public var item: String
    public var type: EventType
    public var value: Double?
    public var time: Date
    /// The row order in the interactions file (0-based): part of the tie-break seed, so
    /// that two identical rows at the same second still get distinct, reproducible positions.
    public var index: Int

    public init(user: String, item: String, type: EventType, value: Double? = nil, time: Date, index: Int) {
        self.user = user
        self.item = item
        self.type = type
        self.value = value
        self.time = time
        self.index = index
    }
}
