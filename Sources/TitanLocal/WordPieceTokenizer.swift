import Foundation
import RecCore

/// BERT's uncased tokenizer (BasicTokenizer + WordPiece), as `BertTokenizer` of
/// Hugging Face transformers does it for all-MiniLM-L6-v2, so that token ids match
/// the reference implementation exactly.
public struct WordPieceTokenizer: Sendable {
    public static let clsToken = "[CLS]"
    public static let sepToken = "[SEP]"
    public static let padToken = "[PAD]"
    public static let unknownToken = "[UNK]"
    /// Words longer than this many characters become `[UNK]` (BERT's rule).
    static let maxInputCharsPerWord = 100

    private let vocabulary: [String: Int32]
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    public let unknownID: Int32
    public var vocabularySize: Int { vocabulary.count }

    /// Loads `vocab.txt` (one token per line; the line number is the id).
    ///
    /// - Throws: `RecError.configuration` when the file is missing or lacks the special tokens.
    public init(vocabularyURL url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RecError(.configuration, "cannot read \(url.path): \(error.localizedDescription)")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 })
    }

    /// Builds a tokenizer from an in-memory vocabulary (id = index).
    public init(tokens: [String]) throws {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = Int32(i) }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else { throw RecError(.configuration, "vocabulary lacks \(token)") }
            return id
        }
        self.vocabulary = vocabulary
        self.clsID = try id(Self.clsToken)
        self.sepID = try id(Self.sepToken)
        self.padID = try id(Self.padToken)
        self.unknownID = try id(Self.unknownToken)
    }

    /// Word-piece ids of `text` without `[CLS]`/`[SEP]` and without truncation.
    public func wordPieceIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in basicTokens(text) { appendWordPieces(of: word, to: &ids) }
        return ids
    }

    /// Model input ids: `[CLS]` + word pieces + `[SEP]`, truncated to `maxLength` in total.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        var pieces = wordPieceIDs(text)
        let room = max(0, maxLength - 2)
        if pieces.count > room { pieces.removeLast(pieces.count - room) }
        return [clsID] + pieces + [sepID]
    }

    // MARK: - BasicTokenizer

    /// Clean-up, CJK isolation, lower-casing, accent stripping and punctuation splitting.
    func basicTokens(_ text: String) -> [String] {
        // Clean text and put spaces around CJK ideographs.
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0 || v == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isChineseCharacter(v) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var output: [String] = []
        // Python's str.split() splits on every White_Space scalar, not only on spaces.
        for token in String(cleaned).unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }) {
            let token = String(String.UnicodeScalarView(token))
            let lowered = token.lowercased()
            // Strip accents: NFD, then drop nonspacing marks (category Mn).
            var stripped = String.UnicodeScalarView()
            for scalar in lowered.decomposedStringWithCanonicalMapping.unicodeScalars
            where scalar.properties.generalCategory != .nonspacingMark {
                stripped.append(scalar)
            }
            // Split on punctuation; each punctuation character is its own token.
            var current = String.UnicodeScalarView()
            for scalar in stripped {
                if Self.isPunctuation(scalar) {
                    if !current.isEmpty { output.append(String(current)); current = String.UnicodeScalarView() }
                    output.append(String(scalar))
                } else if Self.isWhitespace(scalar) {
                    if !current.isEmpty { output.append(String(current)); current = String.UnicodeScalarView() }
                } else {
                    current.append(scalar)
                }
            }
            if !current.isEmpty { output.append(String(current)) }
        }
        return output
    }

    /// Greedy longest-match-first WordPiece with `##` continuations.
    private func appendWordPieces(of word: String, to ids: inout [Int32]) {
        let scalars = Array(word.unicodeScalars)
        if scalars.count > Self.maxInputCharsPerWord { ids.append(unknownID); return }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { ids.append(unknownID); return }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case " ", "\t", "\n", "\r": return true
        default: return s.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "\t", "\n", "\r": return false
        default:
            // Python's BERT treats every "C*" category as control.
            switch s.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isChineseCharacter(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
