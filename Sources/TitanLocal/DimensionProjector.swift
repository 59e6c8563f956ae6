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
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        if inputDimension == outputDimension {
            matrix = nil
            return
        }
        // Orthonormalise min(in, out) random vectors of length max(in, out) (modified
        // Gram-Schmidt in Double), then lay them out as columns (widening) or rows (narrowing).
        let long = max(inputDimension, outputDimension)
        let short = min(inputDimension, outputDimension)
        var generator = SeededGenerator(seed: seed ^ (UInt64(inputDimension) << 32) ^ UInt64(outputDimension))
        var basis: [[Double]] = []
        basis.reserveCapacity(short)
        while basis.count < short {
            var v = (0..<long).map { _ in generator.nextSymmetricUnit() }
            for _ in 0..<2 { // twice for numerical orthogonality
                for u in basis {
                    var d = 0.0
                    for i in 0..<long { d += u[i] * v[i] }
                    for i in 0..<long { v[i] -= d * u[i] }
                }
            }
            var n = 0.0
            for x in v { n += x * x }
            n = n.squareRoot()
            guard n > 1e-6 else { continue }
            basis.append(v.map { $0 / n })
        }
        var m = [Float](repeating: 0, count: outputDimension * inputDimension)
        if outputDimension > inputDimension {
            for c in 0..<inputDimension { for r in 0..<outputDimension { m[r * inputDimension + c] = Float(basis[c][r]) } }
        } else {
            for r in 0..<outputDimension { for c in 0..<inputDimension { m[r * inputDimension + c] = Float(basis[r][c]) } }
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
}
