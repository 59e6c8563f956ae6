import Foundation

/// The spans the item view charts an item's interactions over, each with its bucket size.
public enum ItemActivityWindow: String, Sendable, CaseIterable {
    case day = "24h", week = "7d", month = "30d", year = "365d"

    public var seconds: TimeInterval {
        switch self {
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        case .year: 365 * 86_400
        }
    }

    /// An hour, six hours, a day, a week: 24 to 52 buckets.
    public var bucketSeconds: Int {
        switch self {
        case .day: 3_600
        case .week: 6 * 3_600
        case .month: 86_400
        case .year: 7 * 86_400
        }
    }
}
