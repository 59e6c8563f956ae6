/// Small, allocation-light vector helpers for rescoring (vectors are `[Float]` of one dimension).
public enum VectorMath {
    /// Dot product over the common length (callers pass equal dimensions).
    @inline(__always)
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        let n = min(a.count, b.count)
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                var i = 0
                while i + 4 <= n {
                    s0 += pa[i] * pb[i]; s1 += pa[i + 1] * pb[i + 1]
                    s2 += pa[i + 2] * pb[i + 2]; s3 += pa[i + 3] * pb[i + 3]
                    i += 4
                }
                while i < n { s0 += pa[i] * pb[i]; i += 1 }
                return s0 + s1 + s2 + s3
            }
        }
    }

    public static func norm(_ a: [Float]) -> Float { dot(a, a).squareRoot() }

    /// The unit vector in `a`'s direction; the zero vector stays zero.
    public static func normalized(_ a: [Float]) -> [Float] {
        let n = norm(a)
        guard n > 0, n.isFinite else { return a }
        return a.map { $0 / n }
    }

    /// Cosine similarity; 0 when either is zero.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let d = norm(a) * norm(b)
        return d > 0 ? dot(a, b) / d : 0
    }

    /// `Σ weightᵢ · normalized(vᵢ)`, or nil when nothing contributes.
    public static func weightedSum(_ parts: [(vector: [Float], weight: Float)]) -> [Float]? {
        guard let dim = parts.first(where: { $0.weight != 0 })?.vector.count else { return nil }
        var out = [Float](repeating: 0, count: dim)
        var any = false
        for (v, w) in parts where w != 0 && v.count == dim {
            let u = normalized(v)
            for i in 0..<dim { out[i] += w * u[i] }
            any = true
        }
        return any && norm(out) > 0 ? out : nil
    }
}
