/// Small, allocation-light vector helpers for rescoring (vectors are `[Float]` of one dimension).
public enum VectorMath {
    /// Dot product over the common length (callers pass equal dimensions). SIMD: rescoring and MMR run
    /// thousands of 1024-d dot products per request.
    @inline(__always)
    public static func dot(_ pa: UnsafeBufferPointer<Float>, _ pb: UnsafeBufferPointer<Float>) -> Float {
        let n = min(pa.count, pb.count)
        guard let ba = pa.baseAddress, let bb = pb.baseAddress else { return 0 }
        let ra = UnsafeRawPointer(ba), rb = UnsafeRawPointer(bb)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self) * rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            i += 32
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += ba[i] * bb[i]; i += 1 }
        return s
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dot(pa, pb) } }
    }

    /// The same for slices: candidate vectors are slices of one buffer per request (``ArraySlice`` shares
    /// it, so a request allocates once instead of once per candidate).
    public static func dot(_ a: ArraySlice<Float>, _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dot(pa, pb) } }
    }

    public static func dot(_ a: [Float], _ b: ArraySlice<Float>) -> Float { dot(b, a) }

    public static func dot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dot(pa, pb) } }
    }

    public static func norm(_ a: [Float]) -> Float { dot(a, a).squareRoot() }

    /// The unit vector in `a`'s direction; the zero vector stays zero.
    public static func normalized(_ a: [Float]) -> [Float] {
        var out = a
        normalize(&out)
        return out
    }

    /// ``normalized(_:)`` in place, for vectors just decoded: no second 4 KB array per candidate.
    ///
    /// - Returns: what every element was divided by (the norm), or 1 for a vector left as it is.
    @discardableResult
    public static func normalize(_ a: inout [Float]) -> Float {
        let n = norm(a)
        guard n > 0, n.isFinite else { return 1 }
        // A plain loop over the buffer vectorizes (a `map` closure did not).
        a.withUnsafeMutableBufferPointer { buf in
            for i in 0..<buf.count { buf[i] = buf[i] / n }
        }
        return n
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
