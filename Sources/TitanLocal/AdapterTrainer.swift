import COpenBLAS
import Foundation
import RecCore

/// Trains an ``ImageAdapter`` on image–caption pairs with a symmetric contrastive loss (InfoNCE, as CLIP):
/// within each batch, every adapted image should be closer to its own caption's frozen MiniLM sentence vector
/// than to the batch's other captions, and every caption closer to its own image than to the other images.
///
/// - Loss: for a batch of B pairs, `S = U·Tᵀ / temperature` (U the unit adapted images, T the unit caption
///   vectors); the loss is the mean of the row-wise and the column-wise cross-entropy with the diagonal as the
///   target. The gradient is exact (written out below), matrix products run on OpenBLAS.
/// - Optimiser: Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) at the job's `learningRate`, no weight decay, no schedule.
/// - Batches: each epoch shuffles the pairs (seeded) and cuts them into batches of ``Hyperparameters/batchSize``
///   (capped at the number of pairs: a local set smaller than Bedrock's minimum batch of 256 trains as one
///   batch per epoch); a last, smaller batch is kept when it has at least 2 pairs.
/// - Deterministic: the same pairs, hyperparameters and seed give the same adapter (OpenBLAS' sgemm is
///   deterministic for a fixed thread count).
///
/// ``train(_:validation:shouldStop:onEpoch:)`` blocks: run it on a dedicated thread.
public struct AdapterTrainer: Sendable {
    public struct Hyperparameters: Sendable, Equatable, Codable {
        /// Passes over the training pairs, 1...100.
        public var epochCount: Int
        /// Pairs per step (Bedrock's bounds are 256...9,216, default 576); capped at the number of pairs.
        public var batchSize: Int
        /// Adam's step size (Bedrock's bounds are 5e-8...1, default 5e-5).
        public var learningRate: Double
        /// Softmax temperature of the similarities. Default: 0.05.
        public var temperature: Float
        /// Seed of the initial weights and the shuffles. Default: 0.
        public var seed: UInt64

        public init(epochCount: Int, batchSize: Int = 576, learningRate: Double = 5e-5, temperature: Float = 0.05, seed: UInt64 = 0) {
            self.epochCount = epochCount
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.temperature = temperature
            self.seed = seed
        }
    }

    /// Image descriptors and caption vectors, row-major, one pair per row.
    public struct Pairs: Sendable {
        public let count: Int
        public let imageDimension: Int
        public let textDimension: Int
        public var images: [Float]
        public var texts: [Float]

        public init(images: [[Float]], texts: [[Float]]) {
            precondition(images.count == texts.count, "one caption per image")
            count = images.count
            imageDimension = images.first?.count ?? ImageDescriptor.dimension
            textDimension = texts.first?.count ?? MiniLMModel.dimension
            self.images = images.flatMap { $0 }
            self.texts = texts.flatMap { $0 }
        }

        func subset(_ indices: ArraySlice<Int>) -> (images: [Float], texts: [Float]) {
            var x = [Float](), t = [Float]()
            x.reserveCapacity(indices.count * imageDimension)
            t.reserveCapacity(indices.count * textDimension)
            for i in indices {
                x += images[(i * imageDimension)..<((i + 1) * imageDimension)]
                t += texts[(i * textDimension)..<((i + 1) * textDimension)]
            }
            return (x, t)
        }
    }

    /// What one epoch ended with.
    public struct EpochReport: Sendable, Equatable, Codable {
        /// 1-based.
        public var epoch: Int
        public var epochCount: Int
        /// Mean batch loss over the epoch (each batch before its update).
        public var trainingLoss: Double
        /// Mean batch loss over the validation pairs after the epoch, when given.
        public var validationLoss: Double?
        public var steps: Int
    }

    public struct Outcome: Sendable {
        public var adapter: ImageAdapter
        public var epochs: [EpochReport]
        /// True when ``train(_:validation:shouldStop:onEpoch:)`` ended early because `shouldStop` said so.
        public var stopped: Bool
        /// The batch size used (``Hyperparameters/batchSize`` capped at the number of pairs).
        public var batchSize: Int
    }

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) {
        self.hyperparameters = hyperparameters
    }

    /// The batch size actually used for `pairs` pairs.
    public func effectiveBatchSize(pairs: Int) -> Int { max(2, min(hyperparameters.batchSize, pairs)) }

    /// Trains from ``ImageAdapter/initial(inputDimension:outputDimension:seed:)``.
    ///
    /// - Parameters:
    ///   - shouldStop: polled before every step; training ends early (``Outcome/stopped``) when it returns true.
    ///   - onEpoch: called after each epoch, on the calling thread.
    public func train(_ training: Pairs, validation: Pairs? = nil, shouldStop: () -> Bool = { false },
                      onEpoch: (EpochReport) -> Void = { _ in }) -> Outcome {
        precondition(training.count >= 2, "contrastive training needs at least 2 pairs")
        let h = hyperparameters
        var adapter = ImageAdapter.initial(inputDimension: training.imageDimension, outputDimension: training.textDimension, seed: h.seed)
        var optimiser = Adam(count: adapter.weights.count + adapter.bias.count, learningRate: Float(h.learningRate))
        var generator = SeededGenerator(seed: h.seed ^ 0x7368_7566_666C_6521) // "shuffle!"
        let batch = effectiveBatchSize(pairs: training.count)
        var reports: [EpochReport] = []
        var order = Array(0..<training.count)
        for epoch in 1...max(1, h.epochCount) {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            var lossSum = 0.0, steps = 0
            for start in stride(from: 0, to: order.count, by: batch) {
                let slice = order[start..<min(order.count, start + batch)]
                guard slice.count >= 2 else { continue }
                if shouldStop() { return Outcome(adapter: adapter, epochs: reports, stopped: true, batchSize: batch) }
                let (x, t) = training.subset(slice)
                var gradient = [Float]()
                let loss = Self.step(adapter, images: x, texts: t, rows: slice.count, temperature: h.temperature, gradient: &gradient)
                optimiser.update(&adapter, gradient: gradient)
                lossSum += Double(loss)
                steps += 1
            }
            let validationLoss = validation.flatMap { $0.count >= 2 ? Self.loss(adapter, $0, batchSize: batch, temperature: h.temperature) : nil }
            let report = EpochReport(epoch: epoch, epochCount: h.epochCount, trainingLoss: lossSum / Double(max(1, steps)),
                                     validationLoss: validationLoss, steps: steps)
            reports.append(report)
            onEpoch(report)
        }
        return Outcome(adapter: adapter, epochs: reports, stopped: false, batchSize: batch)
    }

    /// Mean contrastive loss of `adapter` over `pairs` in consecutive batches (no shuffle, no update).
    public static func loss(_ adapter: ImageAdapter, _ pairs: Pairs, batchSize: Int, temperature: Float) -> Double {
        var sum = 0.0, batches = 0
        let indices = Array(0..<pairs.count)
        for start in stride(from: 0, to: pairs.count, by: max(2, batchSize)) {
            let slice = indices[start..<min(pairs.count, start + max(2, batchSize))]
            guard slice.count >= 2 else { continue }
            let (x, t) = pairs.subset(slice)
            var unused = [Float]()
            sum += Double(step(adapter, images: x, texts: t, rows: slice.count, temperature: temperature, gradient: &unused, wantsGradient: false))
            batches += 1
        }
        return sum / Double(max(1, batches))
    }

    /// The loss of one batch and, when `wantsGradient`, its gradient (weights then bias, as ``ImageAdapter`` stores them).
    ///
    /// With `Z = X·Wᵀ + b`, `U = Z/‖Z‖` (by row), `S = U·Tᵀ/τ`, `P` = row softmax and `Q` = column softmax of `S`:
    /// `L = −(Σᵢ log Pᵢᵢ + Σᵢ log Qᵢᵢ) / 2B`; `∂L/∂S = (P − I + Q − I) / 2B`; `∂L/∂U = (∂L/∂S)·T/τ`;
    /// `∂L/∂Zᵢ = (∂L/∂Uᵢ − Uᵢ(Uᵢ·∂L/∂Uᵢ)) / ‖Zᵢ‖`; `∂L/∂W = (∂L/∂Z)ᵀ·X`; `∂L/∂b = Σᵢ ∂L/∂Zᵢ`.
    static func step(_ adapter: ImageAdapter, images x: [Float], texts t: [Float], rows b: Int, temperature: Float,
                     gradient: inout [Float], wantsGradient: Bool = true) -> Float {
        let d = adapter.outputDimension, n = adapter.inputDimension
        var u = adapter.forward(x, rows: b)
        var norms = [Float](repeating: 0, count: b)
        for i in 0..<b {
            var s: Float = 0
            for j in 0..<d { s += u[i * d + j] * u[i * d + j] }
            let norm = max(s.squareRoot(), 1e-12)
            norms[i] = norm
            for j in 0..<d { u[i * d + j] /= norm }
        }
        var s = [Float](repeating: 0, count: b * b)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), Int32(b), Int32(d), 1 / temperature,
                    u, Int32(d), t, Int32(d), 0, &s, Int32(b))
        // Row and column softmax (max-subtracted), their diagonal log-likelihoods, and P + Q − 2I.
        var p = [Float](repeating: 0, count: b * b)
        var loss: Double = 0
        for i in 0..<b {
            var m = -Float.infinity
            for j in 0..<b { m = max(m, s[i * b + j]) }
            var sum: Float = 0
            for j in 0..<b { let e = expf(s[i * b + j] - m); p[i * b + j] = e; sum += e }
            for j in 0..<b { p[i * b + j] /= sum }
            loss -= Double(s[i * b + i] - m - logf(sum))
        }
        for j in 0..<b {
            var m = -Float.infinity
            for i in 0..<b { m = max(m, s[i * b + j]) }
            var sum: Float = 0
            for i in 0..<b { sum += expf(s[i * b + j] - m) }
            for i in 0..<b { p[i * b + j] += expf(s[i * b + j] - m) / sum }
            loss -= Double(s[j * b + j] - m - logf(sum))
        }
        loss /= Double(2 * b)
        guard wantsGradient else { return Float(loss) }
        let scale = 1 / Float(2 * b)
        for i in 0..<b { p[i * b + i] -= 2 }
        for k in 0..<(b * b) { p[k] *= scale }
        // ∂L/∂U = G·T/τ
        var du = [Float](repeating: 0, count: b * d)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(b), Int32(d), Int32(b), 1 / temperature,
                    p, Int32(b), t, Int32(d), 0, &du, Int32(d))
        // Through the normalisation: ∂L/∂Z.
        for i in 0..<b {
            var dot: Float = 0
            for j in 0..<d { dot += u[i * d + j] * du[i * d + j] }
            for j in 0..<d { du[i * d + j] = (du[i * d + j] - u[i * d + j] * dot) / norms[i] }
        }
        gradient = [Float](repeating: 0, count: d * n + d)
        gradient.withUnsafeMutableBufferPointer { g in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(n), Int32(b), 1,
                        du, Int32(d), x, Int32(n), 0, g.baseAddress!, Int32(n))
            for i in 0..<b { for j in 0..<d { g[d * n + j] += du[i * d + j] } }
        }
        return Float(loss)
    }

    /// Adam over the adapter's parameters (weights then bias).
    struct Adam {
        var m: [Float], v: [Float]
        var t = 0
        let learningRate: Float
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

        init(count: Int, learningRate: Float) {
            m = [Float](repeating: 0, count: count)
            v = m
            self.learningRate = learningRate
        }

        mutating func update(_ adapter: inout ImageAdapter, gradient: [Float]) {
            t += 1
            let c1 = 1 - powf(beta1, Float(t)), c2 = 1 - powf(beta2, Float(t))
            let weightCount = adapter.weights.count
            func apply(_ k: Int, _ value: inout Float) {
                let g = gradient[k]
                m[k] = beta1 * m[k] + (1 - beta1) * g
                v[k] = beta2 * v[k] + (1 - beta2) * g * g
                value -= learningRate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
            }
            for k in 0..<weightCount { apply(k, &adapter.weights[k]) }
            for k in 0..<adapter.bias.count { apply(weightCount + k, &adapter.bias[k]) }
        }
    }
}

/// Text-to-image retrieval quality: for each caption vector, rank every image vector by cosine.
public enum RetrievalRecall {
    /// The share of captions whose own image (same index) is among the `k` images most similar to them.
    /// Vectors need not be normalised. Ties rank the caption's own image last (a pessimistic count).
    public static func textToImage(texts: [[Float]], images: [[Float]], k: Int = 10) -> Double {
        precondition(texts.count == images.count, "one image per caption")
        guard !texts.isEmpty else { return 0 }
        let t = texts.map { Embedding($0).normalized().values }
        let i = images.map { Embedding($0).normalized().values }
        var hits = 0
        for (q, text) in t.enumerated() {
            let scores = i.map { image in zip(text, image).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let own = scores[q]
            let better = scores.enumerated().filter { $0.offset != q && $0.element >= own }.count
            if better < k { hits += 1 }
        }
        return Double(hits) / Double(texts.count)
    }
}
