/// A dense vector with the small amount of math the product needs.
///
/// Stored as `[Float]`; the math is ``VectorMath``'s (SIMD), shared with code that works on bare `[Float]`.
public struct Embedding: Sendable, Hashable, Codable {
    public var values: [Float]

    public init(_ values: [Float]) { self.values = values }

    /// A zero vector of `dimension` components.
    public init(zeros dimension: Int) { self.values = [Float](repeating: 0, count: dimension) }

    public var dimension: Int { values.count }

    /// Euclidean norm.
    public var norm: Float { VectorMath.norm(values) }

    /// The unit vector in the same direction (the zero vector stays zero).
    public func normalized() -> Embedding { Embedding(VectorMath.normalized(values)) }

    /// Dot product; the dimensions must match.
    public func dot(_ other: Embedding) -> Float {
        precondition(dimension == other.dimension, "dimension mismatch \(dimension) vs \(other.dimension)")
        return VectorMath.dot(values, other.values)
    }

    /// Cosine similarity in [-1, 1]; 0 when either vector is zero.
    public func cosine(_ other: Embedding) -> Float {
        precondition(dimension == other.dimension, "dimension mismatch \(dimension) vs \(other.dimension)")
        return VectorMath.cosine(values, other.values)
    }

    /// `self * scale + other * weight`, in place.
    public mutating func scale(by scale: Float, adding other: Embedding, weight: Float) {
        precondition(dimension == other.dimension, "dimension mismatch \(dimension) vs \(other.dimension)")
        for i in 0..<values.count { values[i] = values[i] * scale + other.values[i] * weight }
    }
}
