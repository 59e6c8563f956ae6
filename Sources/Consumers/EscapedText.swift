/// Untrusted bytes made safe to print on a terminal or in a log line: what `rec dlq inspect` shows of
/// dead-lettered payloads, keys and reasons.
///
/// Valid UTF-8 stays as it is except control characters (C0, DEL, C1), which become `\n`, `\r`, `\t` or
/// `\u{XX}`, and bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which become `\u{XXXX}`
/// so a payload cannot reorder or recolour what surrounds it; bytes that are not UTF-8 become `\xNN`.
/// Backslashes are kept as they are (JSON payloads are full of them).
public enum EscapedText {
    /// The first `maxCharacters` characters of `bytes`, escaped, and whether anything was cut.
    public static func preview(_ bytes: some Collection<UInt8>, maxCharacters: Int) -> (text: String, truncated: Bool) {
        // A scalar is at most 4 bytes: this prefix holds more than `maxCharacters` of them.
        let head = Array(bytes.prefix(max(maxCharacters, 0) * 4 + 4))
        var out = ""
        var count = 0
        var i = 0
        while i < head.count {
            if count >= maxCharacters { return (out, true) }
            let (scalar, length) = decodeScalar(head, at: i)
            out += scalar.map(escape) ?? "\\x" + hex(head[i])
            i += length
            count += 1
        }
        return (out, head.count < bytes.count)
    }

    /// `text` with control characters and bidirectional controls escaped (see the type's notes).
    public static func escape(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars { out += escape(s) }
        return out
    }

    static func escape(_ s: Unicode.Scalar) -> String {
        switch s.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F, 0x7F...0x9F: return "\\u{" + hex(UInt8(s.value)) + "}"
        case 0x202A...0x202E, 0x2066...0x2069: return "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
        default: return String(Character(s))
        }
    }

    /// The scalar at `i` and its length in bytes, or nil and 1 for a byte that does not start valid UTF-8.
    static func decodeScalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar?, Int) {
        let b0 = b[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        let length: Int, min: UInt32, initial: UInt32
        switch b0 {
        case 0xC2...0xDF: (length, min, initial) = (2, 0x80, UInt32(b0 & 0x1F))
        case 0xE0...0xEF: (length, min, initial) = (3, 0x800, UInt32(b0 & 0x0F))
        case 0xF0...0xF4: (length, min, initial) = (4, 0x10000, UInt32(b0 & 0x07))
        default: return (nil, 1)
        }
        guard i + length <= b.count else { return (nil, 1) }
        var v = initial
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return (nil, 1) }
            v = v << 6 | UInt32(c & 0x3F)
        }
        guard v >= min, let s = Unicode.Scalar(v) else { return (nil, 1) }
        return (s, length)
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}
