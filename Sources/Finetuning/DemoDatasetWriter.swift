import Consumers
import Foundation

/// Writes the generated demo catalog (``DemoCatalog``: captions and procedurally drawn PNGs) as a fine-tuning
/// dataset without a database or a broker: `images/<id>.png`, `train.jsonl` and `validation.jsonl` with local refs
/// relative to the directory, split by ``DatasetSplit`` — what `rec finetune dataset export --image-refs local`
/// writes for the same catalog once ingested, with images drawn at a size the dataset rules accept.
public struct DemoDatasetWriter: Sendable {
    /// Default: 2,000.
    public var count: Int
    /// The catalog generator's seed. Default: 42 (as `rec demo publish-catalog`).
    public var seed: UInt64
    /// Side of the square PNGs, 128...4,096 (the rules' bounds). Default: 128.
    public var imageSize: Int
    public var split: DatasetSplit

    public init(count: Int = 2_000, seed: UInt64 = 42, imageSize: Int = 128, split: DatasetSplit) throws(FinetuneError) {
        guard count >= 2 else { throw FinetuneError(.usage, "--count must be at least 2") }
        guard TitanFinetuningRules.sideRange.contains(imageSize) else {
            throw FinetuneError(.usage, "--image-size must be \(TitanFinetuningRules.sideRange.lowerBound)...\(TitanFinetuningRules.sideRange.upperBound) (the dataset rules)")
        }
        self.count = count
        self.seed = seed
        self.imageSize = imageSize
        self.split = split
    }

    /// - Returns: training and validation record counts.
    /// - Throws: ``FinetuneError`` `io` when a file cannot be written.
    public func write(to directory: String) throws(FinetuneError) -> (training: Int, validation: Int) {
        let root = URL(fileURLWithPath: directory)
        var train: [UInt8] = [], validation: [UInt8] = []
        var counts = (training: 0, validation: 0)
        do {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
            for product in DemoCatalog.products(count: count, seed: seed, imageSize: imageSize) {
                guard case .inline(let png)? = product.image else { continue }
                let ref = "images/\(product.id).png"
                try Data(png).write(to: root.appendingPathComponent(ref))
                let caption = CatalogCaption.make(title: product.title, description: product.description).text
                let line = FinetuneDatasetExporter.line(imageRef: ref, caption: caption)
                if split.role(of: product.id) == .validation {
                    validation += line
                    counts.validation += 1
                } else {
                    train += line
                    counts.training += 1
                }
            }
            try Data(train).write(to: root.appendingPathComponent("train.jsonl"))
            try Data(validation).write(to: root.appendingPathComponent("validation.jsonl"))
        } catch {
            throw FinetuneError(.io, "cannot write the dataset under \(directory): \(error.localizedDescription)")
        }
        return counts
    }
}
