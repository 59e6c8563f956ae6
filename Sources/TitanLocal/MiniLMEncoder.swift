import COpenBLAS
import Foundation
import RecCore

/// all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT) run on OpenBLAS: token ids in,
/// mean-pooled, L2-normalised sentence embeddings out.
///
/// Weights are immutable and every call allocates its own activations, so one
/// instance may serve several threads; calls block, so make them from dedicated
/// threads (see ``BatchWorker``), never from the cooperative pool.
final class MiniLMEncoder: Sendable {
    static let hidden = 384
    static let heads = 12
    static let headSize = 32
    static let intermediate = 1536
    static let layerCount = 6
    static let maxPositions = 512
    static let layerNormEpsilon: Float = 1e-12

    struct Layer {
        var qkvWeight: [Float]   // [3*hidden, hidden], query/key/value stacked
        var qkvBias: [Float]     // [3*hidden]
        var attentionOutWeight: [Float]
        var attentionOutBias: [Float]
        var attentionNormWeight: [Float]
        var attentionNormBias: [Float]
        var intermediateWeight: [Float] // [intermediate, hidden]
        var intermediateBias: [Float]
        var outputWeight: [Float]       // [hidden, intermediate]
        var outputBias: [Float]
        var outputNormWeight: [Float]
        var outputNormBias: [Float]
    }

    let vocabularySize: Int
    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let tokenTypeEmbeddings: [Float]
    private let embeddingNormWeight: [Float]
    private let embeddingNormBias: [Float]
    private let layers: [Layer]

    /// Loads the weights from a safetensors file with Hugging Face BERT tensor names.
    ///
    /// - Throws: `RecError.configuration` when a tensor is missing or misshaped.
    init(weights: SafeTensors) throws {
        BLASRuntime.configured
        let h = Self.hidden
        guard let words = weights.entries["embeddings.word_embeddings.weight"], words.shape.count == 2, words.shape[1] == h else {
            throw RecError(.configuration, "model weights lack embeddings.word_embeddings.weight [*, \(h)]")
        }
        vocabularySize = words.shape[0]
        wordEmbeddings = try weights.floats("embeddings.word_embeddings.weight", shape: [vocabularySize, h])
        positionEmbeddings = try weights.floats("embeddings.position_embeddings.weight", shape: [Self.maxPositions, h])
        tokenTypeEmbeddings = try weights.floats("embeddings.token_type_embeddings.weight", shape: [2, h])
        embeddingNormWeight = try weights.floats("embeddings.LayerNorm.weight", shape: [h])
        embeddingNormBias = try weights.floats("embeddings.LayerNorm.bias", shape: [h])
        var layers: [Layer] = []
        for i in 0..<Self.layerCount {
            let p = "encoder.layer.\(i)."
            let q = try weights.floats(p + "attention.self.query.weight", shape: [h, h])
            let k = try weights.floats(p + "attention.self.key.weight", shape: [h, h])
            let v = try weights.floats(p + "attention.self.value.weight", shape: [h, h])
            let qb = try weights.floats(p + "attention.self.query.bias", shape: [h])
            let kb = try weights.floats(p + "attention.self.key.bias", shape: [h])
            let vb = try weights.floats(p + "attention.self.value.bias", shape: [h])
            layers.append(Layer(
                qkvWeight: q + k + v,
                qkvBias: qb + kb + vb,
                attentionOutWeight: try weights.floats(p + "attention.output.dense.weight", shape: [h, h]),
                attentionOutBias: try weights.floats(p + "attention.output.dense.bias", shape: [h]),
                attentionNormWeight: try weights.floats(p + "attention.output.LayerNorm.weight", shape: [h]),
                attentionNormBias: try weights.floats(p + "attention.output.LayerNorm.bias", shape: [h]),
                intermediateWeight: try weights.floats(p + "intermediate.dense.weight", shape: [Self.intermediate, h]),
                intermediateBias: try weights.floats(p + "intermediate.dense.bias", shape: [Self.intermediate]),
                outputWeight: try weights.floats(p + "output.dense.weight", shape: [h, Self.intermediate]),
                outputBias: try weights.floats(p + "output.dense.bias", shape: [h]),
                outputNormWeight: try weights.floats(p + "output.LayerNorm.weight", shape: [h]),
                outputNormBias: try weights.floats(p + "output.LayerNorm.bias", shape: [h])
            ))
        }
        self.layers = layers
    }

    /// Sentence embeddings for a batch of token-id sequences (each already with
    /// `[CLS]`/`[SEP]`). The batch is padded to its longest sequence; padded keys are
    /// masked out of attention and padded rows out of the mean.
    func embed(_ batch: [[Int32]]) -> [[Float]] {
        let h = Self.hidden
        let b = batch.count
        guard b > 0 else { return [] }
        let length = min(Self.maxPositions, batch.map(\.count).max() ?? 0)
        guard length > 0 else { return batch.map { _ in [Float](repeating: 0, count: h) } }
        let rows = b * length
        let lengths = batch.map { min($0.count, length) }

        // Embeddings: word + position + token type 0, then LayerNorm.
        var x = [Float](repeating: 0, count: rows * h)
        x.withUnsafeMutableBufferPointer { xp in
            wordEmbeddings.withUnsafeBufferPointer { wp in
                positionEmbeddings.withUnsafeBufferPointer { pp in
                    tokenTypeEmbeddings.withUnsafeBufferPointer { tp in
                        for s in 0..<b {
                            for t in 0..<length {
                                let id = t < lengths[s] ? Int(batch[s][t]) : 0
                                let safeID = (0..<vocabularySize).contains(id) ? id : 0
                                let row = (s * length + t) * h
                                for j in 0..<h {
                                    xp[row + j] = wp[safeID * h + j] + pp[t * h + j] + tp[j]
                                }
                            }
                        }
                    }
                }
            }
        }
        Self.layerNorm(&x, rows: rows, weight: embeddingNormWeight, bias: embeddingNormBias)

        var qkv = [Float](repeating: 0, count: rows * 3 * h)
        var context = [Float](repeating: 0, count: rows * h)
        var scores = [Float](repeating: 0, count: length * length)
        var projected = [Float](repeating: 0, count: rows * h)
        var inner = [Float](repeating: 0, count: rows * Self.intermediate)
        let scale = 1 / Float(Self.headSize).squareRoot()

        for layer in layers {
            Self.linear(x, rows: rows, inputs: h, weight: layer.qkvWeight, bias: layer.qkvBias, outputs: 3 * h, into: &qkv)
            // Self-attention per sequence and head; strided views into the stacked QKV rows.
            qkv.withUnsafeBufferPointer { qp in
                context.withUnsafeMutableBufferPointer { cp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        let ld = Int32(3 * h)
                        for s in 0..<b {
                            let valid = lengths[s]
                            let base = s * length * 3 * h
                            for head in 0..<Self.heads {
                                let qOffset = base + head * Self.headSize
                                let kOffset = base + h + head * Self.headSize
                                let vOffset = base + 2 * h + head * Self.headSize
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                            Int32(length), Int32(valid), Int32(Self.headSize), scale,
                                            qp.baseAddress! + qOffset, ld,
                                            qp.baseAddress! + kOffset, ld,
                                            0, sp.baseAddress!, Int32(length))
                                // Softmax over the valid keys only (padded keys get weight 0).
                                for i in 0..<length {
                                    let row = i * length
                                    var m = -Float.infinity
                                    for j in 0..<valid { m = max(m, sp[row + j]) }
                                    var sum: Float = 0
                                    for j in 0..<valid { let e = expf(sp[row + j] - m); sp[row + j] = e; sum += e }
                                    let inv = 1 / sum
                                    for j in 0..<valid { sp[row + j] *= inv }
                                }
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(length), Int32(Self.headSize), Int32(valid), 1,
                                            sp.baseAddress!, Int32(length),
                                            qp.baseAddress! + vOffset, ld,
                                            0, cp.baseAddress! + s * length * h + head * Self.headSize, Int32(h))
                            }
                        }
                    }
                }
            }
            Self.linear(context, rows: rows, inputs: h, weight: layer.attentionOutWeight, bias: layer.attentionOutBias, outputs: h, into: &projected)
            Self.add(&x, projected)
            Self.layerNorm(&x, rows: rows, weight: layer.attentionNormWeight, bias: layer.attentionNormBias)

            Self.linear(x, rows: rows, inputs: h, weight: layer.intermediateWeight, bias: layer.intermediateBias, outputs: Self.intermediate, into: &inner)
            Self.gelu(&inner)
            Self.linear(inner, rows: rows, inputs: Self.intermediate, weight: layer.outputWeight, bias: layer.outputBias, outputs: h, into: &projected)
            Self.add(&x, projected)
            Self.layerNorm(&x, rows: rows, weight: layer.outputNormWeight, bias: layer.outputNormBias)
        }

        // Mean pooling over real tokens, then L2 normalisation.
        var result: [[Float]] = []
        result.reserveCapacity(b)
        for s in 0..<b {
            var pooled = [Float](repeating: 0, count: h)
            let n = lengths[s]
            for t in 0..<n {
                let row = (s * length + t) * h
                for j in 0..<h { pooled[j] += x[row + j] }
            }
            var norm: Float = 0
            for j in 0..<h { pooled[j] /= Float(max(n, 1)); norm += pooled[j] * pooled[j] }
            norm = max(norm.squareRoot(), 1e-12)
            for j in 0..<h { pooled[j] /= norm }
            result.append(pooled)
        }
        return result
    }

    /// `output[rows, outputs] = input[rows, inputs] · weightᵀ + bias` (PyTorch's Linear layout).
    private static func linear(_ input: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float], outputs: Int, into output: inout [Float]) {
        output.withUnsafeMutableBufferPointer { op in
            for r in 0..<rows {
                (op.baseAddress! + r * outputs).update(from: bias, count: outputs)
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(rows), Int32(outputs), Int32(inputs), 1,
                        input, Int32(inputs), weight, Int32(inputs),
                        1, op.baseAddress!, Int32(outputs))
        }
    }

    private static func add(_ x: inout [Float], _ y: [Float]) {
        x.withUnsafeMutableBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for i in 0..<min(xp.count, yp.count) { xp[i] += yp[i] }
            }
        }
    }

    /// The erf GELU that BERT uses (not the tanh approximation), with ``fastErf(_:)``.
    static func gelu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            let invSqrt2: Float = 0.70710678118654752
            for i in 0..<p.count { let v = p[i]; p[i] = 0.5 * v * (1 + fastErf(v * invSqrt2)) }
        }
    }

    /// erf for Float as a rational polynomial on [-4, 4] (Eigen's and XNNPACK's
    /// approximation, within a few ulp of libm's `erff`), branch-free so the GELU loop
    /// vectorises; libm's `erff` took an eighth of the inference time.
    @inline(__always)
    static func fastErf(_ value: Float) -> Float {
        let x = min(max(value, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        p = p * x
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return p / q
    }

    private static func layerNorm(_ x: inout [Float], rows: Int, weight: [Float], bias: [Float]) {
        let h = hidden
        x.withUnsafeMutableBufferPointer { p in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    for r in 0..<rows {
                        let row = UnsafeMutableBufferPointer(rebasing: p[(r * h)..<(r * h + h)])
                        var mean: Float = 0
                        for j in 0..<h { mean += row[j] }
                        mean /= Float(h)
                        var variance: Float = 0
                        for j in 0..<h { let d = row[j] - mean; variance += d * d }
                        variance /= Float(h)
                        let inv = 1 / (variance + layerNormEpsilon).squareRoot()
                        for j in 0..<h { row[j] = (row[j] - mean) * inv * w[j] + b[j] }
                    }
                }
            }
        }
    }
}
