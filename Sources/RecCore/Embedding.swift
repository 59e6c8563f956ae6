/// A dense vector with the small amount of math the product needs.
///
/// Stored as `[Float]`; all operations are O(dimension) and allocation-light.
public struct Embedding: Sendable, Hashable, Codable {
    public var values: [Float]

    public init(_ values: [Float]) { self.values = values }

    /// A zero vector of `dimension` components.
    public init(zeros dimension: Int) { self.values = [Float](repeating: 0, count: dimension) }

    public var dimension: Int { values.count }

    /// Euclidean norm.
    public var norm: Float {
        var s: Float = 0
        for v in values { s += v * v }
        return s.squareRoot()
    }

    /// The unit vector in the same direction (the zero vector stays zero).
    public func normalized() -> Embedding {
        let n = norm
        guard n > 0 else { return self }
        return Embedding(values.map { $0 / n })
    }

    /// Dot product; the dimensions must match.
    public func dot(_ other: Embedding) -> Float {
        precondition(dimension == other.dimension, "dimension mismatch \(dimension) vs \(other.dimension)")
        var s: Float = 0
        for i in 0..<values.count { s += values[i] * other.values[i] }
        return s
    }

    /// Cosine similarity in [-1, 1]; 0 when either vector is zero.
    public func cosine(_ other: Embedding) -> Float {
        let d = norm * other.norm
        return d > 0 ? dot(other) / d : 0
    }

    /// `self * scale + other * weight`, in place.
    public mutating func scale(by scale: Float, adding other: Embedding, weight: Float) {
        precondition(dimension == other.dimension, "dimension mismatch \(dimension) vs \(other.dimension)")
        for i in 0..<values.count { values[i] = values[i] * scale + other.values[i] * weight }
    }
}
