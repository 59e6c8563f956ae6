import BedrockClient

/// The text Titan embeds for a product.
///
/// Rule: the title, then the description, each with whitespace runs collapsed to one space; joined by
/// ". " (or a space when the title already ends in `.`, `!` or `?`); then cut at a word boundary to
/// Titan's 128-token limit by the conservative estimate of ``TitanTokenEstimator`` (budget 120). The
/// title comes first so it survives truncation; only the description's tail is lost. The result is
/// the exact caption bytes that enter the content hash.
public enum CatalogCaption {
    public static func make(title: String, description: String) -> (text: String, truncated: Bool) {
        let t = collapse(title)
        let d = collapse(description)
        var caption = t
        if !d.isEmpty {
            caption += (t.last.map { ".!?".contains($0) } ?? true) ? " " : ". "
            caption += d
        }
        return TitanTokenEstimator.truncate(caption)
    }

    private static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
