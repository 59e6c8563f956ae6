extension BedrockError {
    /// Whether Bedrock refused the request because its text is too long: a `ValidationException` whose message
    /// names the token limit (`400 Bad Request: Too many input tokens. Max input tokens: 128, request input
    /// token count: 180`, as Titan models word it) or the text's length (`#/inputText: expected maxLength: …`).
    /// Other validation errors (bad image, unknown key, dimension) are not.
    public var isTextTooLong: Bool {
        guard code == .validation else { return false }
        let m = message.lowercased()
        return m.contains("too many input tokens") || m.contains("max input tokens") || m.contains("input token count")
            || (m.contains("inputtext") && (m.contains("maxlength") || m.contains("token")))
    }

    /// The limit and the text's count from a ``isTextTooLong`` message that states both
    /// (`Max input tokens: 128, request input token count: 180`), else nil.
    public var textTokenLimit: (limit: Int, count: Int)? {
        guard isTextTooLong else { return nil }
        let m = message.lowercased()
        guard let limit = Self.number(after: "max input tokens:", in: m),
              let count = Self.number(after: "request input token count:", in: m), limit > 0, count > limit else { return nil }
        return (limit, count)
    }

    private static func number(after label: String, in text: String) -> Int? {
        guard let range = text.range(of: label) else { return nil }
        let digits = text[range.upperBound...].drop { $0 == " " }.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }
}
