import Foundation
import RecCore
import Testing
@testable import TitanLocal

@Suite("Local trainer: contrastive image adapter")
struct AdapterTrainerTests {
    /// Pairs sharing a hidden 16-d cause: captions are a fixed linear image of it in a 384-d space, images another
    /// one in the descriptor's space, both with noise. A linear adapter can learn the map between them; a random
    /// one cannot, so recall on held-out pairs (other causes) measures what training learned.
    static func pairs(_ count: Int, seed: UInt64) -> AdapterTrainer.Pairs {
        var mixing = SeededGenerator(seed: 99)
        let latent = 16, imageDimension = ImageDescriptor.dimension, textDimension = MiniLMModel.dimension
        let toText = (0..<(textDimension * latent)).map { _ in mixing.nextSymmetricFloat() }
        let toImage = (0..<(imageDimension * latent)).map { _ in mixing.nextSymmetricFloat() }
        var g = SeededGenerator(seed: seed)
        var images: [[Float]] = [], texts: [[Float]] = []
        for _ in 0..<count {
            let z = (0..<latent).map { _ in g.nextSymmetricFloat() }
            let text = (0..<textDimension).map { r in (0..<latent).reduce(Float(0)) { $0 + toText[r * latent + $1] * z[$1] } + 0.3 * g.nextSymmetricFloat() }
            let image = (0..<imageDimension).map { r in (0..<latent).reduce(Float(0)) { $0 + toImage[r * latent + $1] * z[$1] } + 0.3 * g.nextSymmetricFloat() }
            texts.append(Embedding(text).normalized().values)
            images.append(image)
        }
        return AdapterTrainer.Pairs(images: images, texts: texts)
    }

    static func rows(_ flat: [Float], _ width: Int) -> [[Float]] {
        stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<($0 + width)]) }
    }

    static func recall(_ adapter: ImageAdapter, _ pairs: AdapterTrainer.Pairs) -> Double {
        RetrievalRecall.textToImage(texts: rows(pairs.texts, pairs.textDimension),
                                    images: adapter.apply(rows(pairs.images, pairs.imageDimension)), k: 10)
    }

    static let hyperparameters = AdapterTrainer.Hyperparameters(epochCount: 40, batchSize: 64, learningRate: 0.01, seed: 7)

    @Test("training lowers the contrastive loss and lifts held-out text-to-image recall@10")
    func learns() {
        let training = Self.pairs(256, seed: 1)
        let heldOut = Self.pairs(80, seed: 2)
        let initial = ImageAdapter.initial(seed: Self.hyperparameters.seed)
        let initialLoss = AdapterTrainer.loss(initial, training, batchSize: 64, temperature: 0.05)
        let outcome = AdapterTrainer(Self.hyperparameters).train(training, validation: heldOut)
        #expect(outcome.epochs.count == 40)
        #expect(!outcome.stopped)
        let last = outcome.epochs.last!
        #expect(last.trainingLoss < initialLoss * 0.5, "training loss \(initialLoss) → \(last.trainingLoss)")
        #expect(last.validationLoss! < outcome.epochs.first!.validationLoss!)
        let before = Self.recall(initial, heldOut), after = Self.recall(outcome.adapter, heldOut)
        // 10 of 80 by chance is 0.125.
        #expect(before < 0.35, "recall@10 before training: \(before)")
        #expect(after > 0.8, "recall@10 after training: \(after)")
        #expect(after > before + 0.4)
    }

    @Test("the same pairs, hyperparameters and seed give the same adapter")
    func deterministic() {
        let training = Self.pairs(96, seed: 3)
        var h = Self.hyperparameters
        h.epochCount = 3
        let a = AdapterTrainer(h).train(training)
        let b = AdapterTrainer(h).train(training)
        #expect(a.adapter == b.adapter)
        #expect(a.epochs == b.epochs)
        h.seed = 8
        #expect(AdapterTrainer(h).train(training).adapter != a.adapter)
    }

    @Test("a batch size above the number of pairs is capped: one batch per epoch")
    func batchCap() {
        let training = Self.pairs(40, seed: 4)
        let outcome = AdapterTrainer(.init(epochCount: 2, batchSize: 576, learningRate: 0.01)).train(training)
        #expect(outcome.batchSize == 40)
        #expect(outcome.epochs.map(\.steps) == [1, 1])
    }

    @Test("shouldStop ends training early and says so")
    func stops() {
        var calls = 0
        let outcome = AdapterTrainer(Self.hyperparameters).train(Self.pairs(128, seed: 5), shouldStop: {
            calls += 1
            return calls > 5
        })
        #expect(outcome.stopped)
        #expect(outcome.epochs.count < 40)
    }

    @Test("the analytic gradient matches finite differences")
    func gradient() {
        let pairs = Self.pairs(8, seed: 6)
        let adapter = ImageAdapter.initial(seed: 1)
        var gradient = [Float]()
        _ = AdapterTrainer.step(adapter, images: pairs.images, texts: pairs.texts, rows: 8, temperature: 0.1, gradient: &gradient)
        var unused = [Float]()
        for k in [0, 1_000, 30_000, adapter.weights.count + 3] {
            var plus = adapter, minus = adapter
            let h: Float = 1e-2
            if k < adapter.weights.count { plus.weights[k] += h; minus.weights[k] -= h } else {
                plus.bias[k - adapter.weights.count] += h; minus.bias[k - adapter.weights.count] -= h
            }
            let numeric = (AdapterTrainer.step(plus, images: pairs.images, texts: pairs.texts, rows: 8, temperature: 0.1, gradient: &unused, wantsGradient: false)
                - AdapterTrainer.step(minus, images: pairs.images, texts: pairs.texts, rows: 8, temperature: 0.1, gradient: &unused, wantsGradient: false)) / (2 * h)
            #expect(abs(numeric - gradient[k]) < 2e-3 + 0.05 * abs(gradient[k]), "parameter \(k): numeric \(numeric), analytic \(gradient[k])")
        }
    }

    @Test("recall@k counts a caption when its own image ranks within k")
    func recallCount() {
        let texts: [[Float]] = [[1, 0], [0, 1], [1, 1]]
        let images: [[Float]] = [[1, 0.2], [1, 0], [0.3, 1]]
        // Caption 0's own image ranks second (image 1 is closer), caption 1's third, caption 2's first.
        #expect(RetrievalRecall.textToImage(texts: texts, images: images, k: 1) == 1.0 / 3)
        #expect(RetrievalRecall.textToImage(texts: texts, images: images, k: 2) == 2.0 / 3)
        #expect(RetrievalRecall.textToImage(texts: texts, images: images, k: 3) == 1)
    }
}
