import BedrockClient

/// Which file an item goes to: a pure function of the item id and the seed, so the split does not depend on
/// the catalog's order or size, an item stays on its side when others are added or removed, and a re-export
/// with the same seed gives the same files.
///
/// The rule: `u` = the first 8 bytes of SHA-256(`"rec-finetune-split\0" + seed + "\0" + id`) as a big-endian
/// integer, top 53 bits, divided by 2^53 (uniform in [0, 1)); the item is a validation record when
/// `u < validationFraction`.
public struct DatasetSplit: Sendable, Equatable {
    /// Share of items for validation, 0...1. Default: 0.1.
    public let validationFraction: Double
    /// Default: 0.
    public let seed: UInt64

    /// - Throws: ``FinetuneError`` `usage` when the fraction is outside 0...1.
    public init(validationFraction: Double = 0.1, seed: UInt64 = 0) throws(FinetuneError) {
        guard validationFraction.isFinite, (0...1).contains(validationFraction) else {
            throw FinetuneError(.usage, "the validation fraction must be between 0 and 1")
        }
        self.validationFraction = validationFraction
        self.seed = seed
    }

    /// `u` of the rule above.
    public func unit(_ id: String) -> Double {
        let digest = SigV4Canonical.sha256(Array("rec-finetune-split\0\(seed)\0".utf8) + Array(id.utf8))
        let word = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(word >> 11) / Double(UInt64(1) << 53)
    }

    public func role(of id: String) -> TitanFinetuningRules.Role {
        unit(id) < validationFraction ? .validation : .training
    }
}
