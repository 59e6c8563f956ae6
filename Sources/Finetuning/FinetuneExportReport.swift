import Foundation

/// What ``FinetuneDatasetExporter/run()`` wrote and skipped (also saved as `export.json` next to the files).
public struct FinetuneExportReport: Sendable, Codable, Equatable {
    /// Live catalog items read (deleted items are not read).
    public var itemsRead = 0
    public var training = 0
    public var validation = 0
    /// Items left out, by reason.
    public var skipped: [String: Int] = [:]
    /// Captions cut at a word boundary to the token budget (the product's ``CatalogCaption`` rule).
    public var captionsCutToTokenLimit = 0
    /// Captions cut to 2,560 characters (cannot happen after the token cut, counted anyway).
    public var captionsCutToCharacterLimit = 0
    /// Image files written or objects uploaded by this run.
    public var imagesStored = 0
    /// Images already there from an earlier run (same content, same name), not written again.
    public var imagesAlreadyPresent = 0
    public var validationFraction: Double
    public var seed: UInt64
    /// `local` or `s3://bucket/prefix`.
    public var imageRefs: String
    public var files: [String] = []
    public var warnings: [String] = []
    public var seconds = 0.0

    public var written: Int { training + validation }
    public var skippedTotal: Int { skipped.values.reduce(0, +) }

    mutating func skip(_ reason: String) { skipped[reason, default: 0] += 1 }

    /// The summary `rec finetune dataset export` prints.
    public func text() -> String {
        var out = "export: \(itemsRead.grouped) catalog items read in \(String(format: "%.1f", seconds)) s: \(written.grouped) records written "
        out += "(\(training.grouped) training, \(validation.grouped) validation), \(skippedTotal.grouped) skipped\n"
        for (reason, n) in skipped.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            out += "  skipped \(n.grouped.leftPadded(7)): \(reason)\n"
        }
        out += "  captions cut to the token limit: \(captionsCutToTokenLimit.grouped) (by the product's TitanTokenEstimator estimate); to 2,560 characters: \(captionsCutToCharacterLimit.grouped)\n"
        out += "  images: \(imagesStored.grouped) stored, \(imagesAlreadyPresent.grouped) already present (\(imageRefs))\n"
        for file in files { out += "  wrote \(file)\n" }
        for w in warnings { out += "warning: \(w)\n" }
        return out
    }
}
