/// What to do with text that may exceed Titan's 128-token limit.
public enum TitanTextPolicy: String, Sendable, CaseIterable {
    /// Refuse, before sending, text whose conservative token estimate is over the limit. May refuse some text
    /// the model would accept (the estimate errs high).
    case reject
    /// Cut text at a word boundary so that its conservative estimate fits; the result says it was truncated.
    /// When Bedrock still refuses the text as too long (the estimate is a guess: part numbers and codes split
    /// into more tokens than it counts), cut it harder and send it again, up to
    /// ``TitanTokenEstimator/maxTokenLimitRetries`` times, keeping the image.
    case truncate
    /// Send the text as is and let Bedrock decide (a `ValidationException` maps to ``BedrockError/Code/validation``).
    case passThrough
}

/// A deliberately pessimistic estimate of Titan's token count.
///
/// The rule: each run of ASCII letters/digits counts `ceil(length / 4)` tokens (at least 1; English words are
/// usually one token, so this over-counts long words), each other visible ASCII character (punctuation,
/// symbols) counts 1, and each non-ASCII character counts 2. Whitespace counts 0. Text is accepted when the
/// estimate is at most `128 - 8`: the 8-token safety margin covers special tokens the model adds.
public enum TitanTokenEstimator {
    /// Tokens the estimate may reach. Default: 120 (= 128 - 8).
    public static let budget = TitanModel.maxTextTokens - 8

    public static func estimate<S: StringProtocol>(_ text: S) -> Int {
        var tokens = 0
        var run = 0
        func flush() { if run > 0 { tokens += (run + 3) / 4; run = 0 } }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let v = scalar.value
                let isAlnum = (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122)
                if isAlnum { run += 1; continue }
                flush()
                if v > 32 && v < 127 { tokens += 1 }
            } else {
                flush()
                if !scalar.properties.isWhitespace { tokens += 2 }
            }
        }
        flush()
        return tokens
    }

    /// Harder cuts after Bedrock refused a text as too long (``TitanTextPolicy/truncate``). Default: 3.
    public static let maxTokenLimitRetries = 3

    /// The text to send after Bedrock refused `text` as too long, or nil when it cannot get shorter.
    ///
    /// When the refusal states the limit and the count, the character budget is scaled by limit/count with a
    /// 10 % margin; otherwise it is halved. The cut keeps whole words (a single over-long first word is cut).
    public static func cutHarder(_ text: String, after rejection: BedrockError) -> String? {
        let characters = text.count
        guard characters > 1 else { return nil }
        var budget = characters / 2
        if let (limit, count) = rejection.textTokenLimit {
            budget = min(characters - 1, characters * limit * 9 / (count * 10))
        }
        let cut = prefix(text, characters: max(1, budget))
        return cut.isEmpty || cut.count >= characters ? nil : cut
    }

    /// The longest prefix of whole words with at most `limit` characters, words joined by single spaces
    /// (a first word longer than `limit` is cut to it).
    public static func prefix(_ text: String, characters limit: Int) -> String {
        var kept = ""
        var length = 0
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let added = kept.isEmpty ? word.count : word.count + 1
            if length + added > limit {
                if kept.isEmpty { kept = String(word.prefix(limit)) }
                break
            }
            kept += kept.isEmpty ? String(word) : " " + word
            length += added
        }
        return kept
    }

    /// The longest prefix of whole words whose estimate is within `budget` (a single over-long first word is cut).
    /// When it cuts, runs of whitespace in the kept part become single spaces.
    public static func truncate(_ text: String, budget: Int = budget) -> (text: String, truncated: Bool) {
        if estimate(text) <= budget { return (text, false) }
        var kept = ""
        var used = 0
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let cost = estimate(word)
            if used + cost > budget {
                if kept.isEmpty {
                    // One huge "word": keep characters while they fit.
                    var prefix = ""
                    for ch in word {
                        if estimate(prefix + String(ch)) > budget { break }
                        prefix.append(ch)
                    }
                    kept = prefix
                }
                break
            }
            kept += kept.isEmpty ? String(word) : " " + word
            used += cost
        }
        return (kept, true)
    }
}
