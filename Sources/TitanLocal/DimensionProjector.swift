import COpenBLAS
import RecCore

/// Maps a native vector (MiniLM's 384-d text space, or the image descriptor) to one of
/// Titan's output lengths with a fixed, seeded linear map.
///
/// Where the target is at least as wide as the source the map has orthonormal columns,
/// so cosine similarities are preserved exactly (384→384 is the identity, so a 384-d
/// text vector *is* the MiniLM embedding). Narrowing (384→256) projects onto a seeded
/// random 256-d subspace and re-normalises: cosines are kept approximately.
public struct DimensionProjector: Sendable {
    public let inputDimension: Int
    public let outputDimension: Int
    /// Row-major `[outputDimension, inputDimension]`; nil for the identity.
    private let matrix: [Float]?

    /// - Parameters:
    ///   - seed: distinguishes spaces, so text and image do not share a basis by accident.
    public init(inputDimension: Int, outputDimension: Int, seed: UInt64) {
        precondition(inputDimension > 0 && outputDimension > 0)
        BLASRuntime.configured
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        if inputDimension == outputDimension {
            matrix = nil
            return
        }
        // A seeded random orthogonal long×long matrix Q, then `short` of its columns
        // (widening: orthonormal columns) or rows (narrowing: a random subspace), chosen by
        // a seeded permutation. Q is the Kronecker product of two small random orthogonal
        // matrices (Gram-Schmidt on seeded uniform vectors): exactly orthogonal, dense, cheap
        // to build, and built with plain arithmetic only, so it is bit-for-bit the same everywhere.
        let long = max(inputDimension, outputDimension)
        var generator = SeededGenerator(seed: seed ^ (UInt64(inputDimension) << 32) ^ UInt64(outputDimension))
        let q = Self.kroneckerOrthogonal(long, &generator)
        var order = Array(0..<long)
        for i in stride(from: long - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        var m = [Float](repeating: 0, count: outputDimension * inputDimension)
        if outputDimension > inputDimension {
            for r in 0..<outputDimension { for c in 0..<inputDimension { m[r * inputDimension + c] = Float(q[r * long + order[c]]) } }
        } else {
            for r in 0..<outputDimension { for c in 0..<inputDimension { m[r * inputDimension + c] = Float(q[order[r] * long + c]) } }
        }
        matrix = m
    }

    /// The mapped vector, L2-normalised.
    public func project(_ vector: [Float]) -> [Float] {
        project([vector])[0]
    }

    /// The mapped vectors, L2-normalised, as one matrix product.
    public func project(_ vectors: [[Float]]) -> [[Float]] {
        for v in vectors { precondition(v.count == inputDimension, "expected \(inputDimension) components, got \(v.count)") }
        guard let matrix else { return vectors.map { Embedding($0).normalized().values } }
        guard !vectors.isEmpty else { return [] }
        let input = vectors.flatMap { $0 }
        var output = [Float](repeating: 0, count: vectors.count * outputDimension)
        // output[n, out] = input[n, in] · matrix[out, in]ᵀ
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(vectors.count), Int32(outputDimension), Int32(inputDimension), 1,
                    input, Int32(inputDimension), matrix, Int32(inputDimension),
                    0, &output, Int32(outputDimension))
        return (0..<vectors.count).map { i in
            Embedding(Array(output[(i * outputDimension)..<((i + 1) * outputDimension)])).normalized().values
        }
    }

    /// A random orthogonal n×n matrix (row-major) as A ⊗ B with A a×a and B b×b, a·b = n.
    static func kroneckerOrthogonal(_ n: Int, _ generator: inout SeededGenerator) -> [Double] {
        var a = Int(Double(n).squareRoot())
        while a > 1, n % a != 0 { a -= 1 }
        guard a > 1 else { return randomOrthogonal(n, &generator) }
        let b = n / a
        let left = randomOrthogonal(a, &generator)
        let right = randomOrthogonal(b, &generator)
        var q = [Double](repeating: 0, count: n * n)
        for i1 in 0..<a {
            for j1 in 0..<a {
                let x = left[i1 * a + j1]
                for i2 in 0..<b {
                    let row = (i1 * b + i2) * n + j1 * b
                    for j2 in 0..<b { q[row + j2] = x * right[i2 * b + j2] }
                }
            }
        }
        return q
    }

    /// A random orthogonal n×n matrix: modified Gram-Schmidt (twice) on seeded uniform rows.
    static func randomOrthogonal(_ n: Int, _ generator: inout SeededGenerator) -> [Double] {
        var rows: [[Double]] = []
        while rows.count < n {
            var v = (0..<n).map { _ in generator.nextSymmetricUnit() }
            for _ in 0..<2 {
                for u in rows {
                    var d = 0.0
                    for i in 0..<n { d += u[i] * v[i] }
                    for i in 0..<n { v[i] -= d * u[i] }
                }
            }
            var norm = 0.0
            for x in v { norm += x * x }
            norm = norm.squareRoot()
            guard norm > 1e-6 else { continue }
            rows.append(v.map { $0 / norm })
        }
        return rows.flatMap { $0 }
    }
}
