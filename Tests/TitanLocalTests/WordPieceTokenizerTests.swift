import Testing
@testable import TitanLocal

/// BERT BasicTokenizer + WordPiece rules on a tiny vocabulary (no model files needed).
@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cafe", "au", "lait", "!", "-", "un", "##aff", "##able",
                             "hello", ",", "world", "中", "文", "x", "##x", "."]
    static func tokenizer() throws -> WordPieceTokenizer { try WordPieceTokenizer(tokens: vocabulary) }
    static func ids(_ tokens: [String]) -> [Int32] { tokens.map { Int32(vocabulary.firstIndex(of: $0)!) } }

    @Test("lower-cases, strips accents and splits punctuation")
    func basic() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieceIDs("Café AU-lait!") == Self.ids(["cafe", "au", "-", "lait", "!"]))
        #expect(t.wordPieceIDs("  HELLO,\tworld.\n") == Self.ids(["hello", ",", "world", "."]))
    }

    @Test("greedy longest-match word pieces with ## continuations, [UNK] for the rest")
    func wordPieces() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieceIDs("unaffable") == Self.ids(["un", "##aff", "##able"]))
        #expect(t.wordPieceIDs("unaffablez hello") == Self.ids(["[UNK]", "hello"]))
        #expect(t.wordPieceIDs(String(repeating: "x", count: 101)) == Self.ids(["[UNK]"]))
        #expect(t.wordPieceIDs(String(repeating: "x", count: 3)) == Self.ids(["x", "##x", "##x"]))
    }

    @Test("CJK ideographs become single tokens; control characters vanish")
    func cjkAndControl() throws {
        let t = try Self.tokenizer()
        #expect(t.wordPieceIDs("中文hello") == Self.ids(["中", "文", "hello"]))
        #expect(t.wordPieceIDs("hel\u{0000}lo\u{200B}") == Self.ids(["hello"]))
    }

    @Test("model input adds [CLS]/[SEP] and truncates to the maximum length")
    func encode() throws {
        let t = try Self.tokenizer()
        let long = Array(repeating: "hello", count: 10).joined(separator: " ")
        let ids = t.encode(long, maxLength: 6)
        #expect(ids == Self.ids(["[CLS]", "hello", "hello", "hello", "hello", "[SEP]"]))
        #expect(t.encode("", maxLength: 256) == Self.ids(["[CLS]", "[SEP]"]))
    }

    @Test("a vocabulary without the special tokens is refused")
    func missingSpecials() {
        #expect(throws: (any Error).self) { try WordPieceTokenizer(tokens: ["hello", "world"]) }
    }
}
