import COpenBLAS
import Foundation
import RecCore

/// A trained linear map from the image descriptor (``ImageDescriptor``) into MiniLM's 384-d sentence space:
/// what a local fine-tuning job (``AdapterTrainer``) produces and a custom model applies to images.
///
/// Adapted image vectors live in the text encoder's own space, so they take the same fixed projection to
/// 256/384/1024/3072 as text does: text and adapted images stay comparable at every output length.
public struct ImageAdapter: Sendable, Equatable {
    /// The descriptor's length when the adapter was trained (``ImageDescriptor/dimension``).
    public let inputDimension: Int
    /// MiniLM's sentence dimension (``MiniLMModel/dimension``).
    public let outputDimension: Int
    /// Row-major `[outputDimension, inputDimension]`.
    public internal(set) var weights: [Float]
    /// `[outputDimension]`.
    public internal(set) var bias: [Float]

    public init(inputDimension: Int, outputDimension: Int, weights: [Float], bias: [Float]) {
        precondition(weights.count == inputDimension * outputDimension && bias.count == outputDimension,
                     "an adapter needs \(outputDimension)×\(inputDimension) weights and \(outputDimension) biases")
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        self.weights = weights
        self.bias = bias
    }

    /// Xavier-uniform weights from `seed`, zero bias: the starting point of training.
    public static func initial(inputDimension: Int = ImageDescriptor.dimension, outputDimension: Int = MiniLMModel.dimension,
                               seed: UInt64) -> ImageAdapter {
        var generator = SeededGenerator(seed: seed ^ 0x6164_6170_7465_7221) // "adapter!"
        let limit = Float((6.0 / Double(inputDimension + outputDimension)).squareRoot())
        let weights = (0..<(inputDimension * outputDimension)).map { _ in generator.nextSymmetricFloat() * limit }
        return ImageAdapter(inputDimension: inputDimension, outputDimension: outputDimension, weights: weights,
                            bias: [Float](repeating: 0, count: outputDimension))
    }

    /// Unit-length adapted vectors of descriptors, as one matrix product.
    public func apply(_ descriptors: [[Float]]) -> [[Float]] {
        guard !descriptors.isEmpty else { return [] }
        for d in descriptors { precondition(d.count == inputDimension, "expected a \(inputDimension)-d descriptor, got \(d.count)") }
        let z = forward(descriptors.flatMap { $0 }, rows: descriptors.count)
        return (0..<descriptors.count).map { i in
            Embedding(Array(z[(i * outputDimension)..<((i + 1) * outputDimension)])).normalized().values
        }
    }

    /// `Z = X·Wᵀ + b` for `rows` descriptors stored row-major in `x` (not normalised).
    func forward(_ x: [Float], rows: Int) -> [Float] {
        BLASRuntime.configured
        var z = [Float](repeating: 0, count: rows * outputDimension)
        z.withUnsafeMutableBufferPointer { zp in
            for r in 0..<rows { (zp.baseAddress! + r * outputDimension).update(from: bias, count: outputDimension) }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(rows), Int32(outputDimension), Int32(inputDimension), 1,
                        x, Int32(inputDimension), weights, Int32(inputDimension),
                        1, zp.baseAddress!, Int32(outputDimension))
        }
        return z
    }
}
