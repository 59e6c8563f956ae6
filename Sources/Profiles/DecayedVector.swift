import Foundation

/// An exponentially time-decayed, weighted sum of vectors, kept unnormalized
/// with the instant it was last decayed to, so one update costs O(dimension).
///
/// The value at time `T` is `Σ wᵢ · 2^(−(T − tᵢ)/h) · vᵢ`. Adding an event at
/// `t ≥ referenceTime` decays the stored sum to `t` and adds `w·v`; an older
/// event (`t < referenceTime`) is decayed to `referenceTime` instead. Either way
/// the stored sum equals the formula at `max tᵢ`, so the arrival order of the
/// events does not matter (up to float rounding).
public struct DecayedVector: Sendable, Equatable {
    /// The sum at ``referenceTime``; empty while nothing was added.
    public var sum: [Float]
    /// The newest event time folded in, or nil while empty.
    public var referenceTime: Date?

    public static let empty = DecayedVector(sum: [], referenceTime: nil)

    public init(sum: [Float], referenceTime: Date?) {
        self.sum = sum
        self.referenceTime = referenceTime
    }

    public var isEmpty: Bool { referenceTime == nil }

    /// The factor that decays a quantity by `seconds` with half-life `halfLife`.
    @inline(__always)
    public static func decayFactor(seconds: TimeInterval, halfLife: TimeInterval) -> Double {
        exp2(-seconds / halfLife)
    }

    /// Folds in `vector` with `weight` at time `time`.
    ///
    /// A weight of 0 only advances the reference time (the session profile
    /// uses that to remember its newest event).
    public mutating func add(_ vector: [Float], weight: Float, at time: Date, halfLife: TimeInterval) {
        guard let ref = referenceTime, !sum.isEmpty else {
            sum = weight == 0 ? [Float](repeating: 0, count: vector.count) : vector.map { $0 * weight }
            referenceTime = time
            return
        }
        precondition(sum.count == vector.count, "dimension mismatch \(sum.count) vs \(vector.count)")
        let dt = time.timeIntervalSince(ref)
        if dt >= 0 {
            let f = Float(Self.decayFactor(seconds: dt, halfLife: halfLife))
            sum.withUnsafeMutableBufferPointer { s in
                vector.withUnsafeBufferPointer { v in
                    for i in 0..<s.count { s[i] = s[i] * f + v[i] * weight }
                }
            }
            referenceTime = time
        } else {
            let w = weight * Float(Self.decayFactor(seconds: -dt, halfLife: halfLife))
            guard w != 0 else { return }
            sum.withUnsafeMutableBufferPointer { s in
                vector.withUnsafeBufferPointer { v in
                    for i in 0..<s.count { s[i] += v[i] * w }
                }
            }
        }
    }

    /// A copy with `vector` folded in (see ``add(_:weight:at:halfLife:)``).
    public func adding(_ vector: [Float], weight: Float, at time: Date, halfLife: TimeInterval) -> DecayedVector {
        var copy = self
        copy.add(vector, weight: weight, at: time, halfLife: halfLife)
        return copy
    }

    /// The sum decayed to `time` (a later time only shrinks it; direction is unchanged).
    public func value(at time: Date, halfLife: TimeInterval) -> [Float] {
        guard let ref = referenceTime else { return sum }
        let f = Float(Self.decayFactor(seconds: time.timeIntervalSince(ref), halfLife: halfLife))
        return sum.map { $0 * f }
    }
}
