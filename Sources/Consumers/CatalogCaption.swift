import BedrockClient

/// The text a model embeds for a product.
///
/// Rule: the title, then the description, each with whitespace runs collapsed to one space; joined by
/// ". " (or a space when the title already ends in `.`, `!` or `?`); then cut at a word boundary to the model's
/// text limit: Titan's 128 tokens by the conservative estimate of ``TitanTokenEstimator`` (budget 120), Nova's
/// ``NovaModel/maxTextCharacters`` (its 8,192-token context holds any caption within them). The title comes
/// first so it survives truncation; only the description's tail is lost. The result is the exact caption bytes
/// that enter the content hash.
public enum CatalogCaption {
    /// The caption for Titan G1 (the fine-tuning datasets' captions too: only Titan can be fine-tuned).
    public static func make(title: String, description: String) -> (text: String, truncated: Bool) {
        make(title: title, description: description, family: .titan)
    }

    /// The caption for a model of `family`.
    public static func make(title: String, description: String, family: EmbeddingModelFamily) -> (text: String, truncated: Bool) {
        cut(full(title: title, description: description), family: family)
    }

    /// Title and description joined, before any cut (what ``cut(_:family:)`` cuts per model).
    public static func full(title: String, description: String) -> String {
        joined(title: title, description: description)
    }

    /// `caption` (a ``full(title:description:)``) cut to the text limit of `family`'s models.
    public static func cut(_ caption: String, family: EmbeddingModelFamily) -> (text: String, truncated: Bool) {
        switch family {
        case .titan:
            return TitanTokenEstimator.truncate(caption)
        case .nova:
            guard caption.count > NovaModel.maxTextCharacters else { return (caption, false) }
            return (TitanTokenEstimator.prefix(caption, characters: NovaModel.maxTextCharacters), true)
        }
    }

    private static func joined(title: String, description: String) -> String {
        let t = collapse(title)
        let d = collapse(description)
        var caption = t
        if !d.isEmpty {
            caption += (t.last.map { ".!?".contains($0) } ?? true) ? " " : ". "
            caption += d
        }
        return caption
    }

    private static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
