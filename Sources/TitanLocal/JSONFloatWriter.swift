/// Writes `Float`s as JSON numbers straight into a byte buffer, without a `String` per value.
///
/// A 1024-float response is most of what the server writes per request, and
/// `Float.description` appended to a `String` made encoding it the largest CPU cost of
/// the HTTP path after the model. The output round-trips: parsing it back to `Float`
/// (strtof, `Float(String)`, or through `Double` as `JSONDecoder` does) gives the same
/// bits. It is the shortest decimal with at most 9 significant digits that does so,
/// except that a candidate within a millionth of a rounding boundary is not trusted and
/// one more digit is written.
///
/// Why 9 digits always suffice: the 9-digit decimal nearest to `v` is within half a unit
/// in its 9th digit, i.e. within 5·10⁻⁹ of `v` relatively, while the nearest other `Float`
/// is at least 2⁻²⁴ (6·10⁻⁸) away relatively, so half-way to it is at least 2.9·10⁻⁸.
enum JSONFloatWriter {
    /// Powers of ten as correctly rounded `Double`s, 10⁰ … 10⁵⁴ (a `Float`'s decimal
    /// exponent is in -45 ... 38, and scaling to 9 digits needs up to 10^(8 + 45)).
    private static let powersOfTen: [Double] = (0...54).map { Double("1e\($0)")! }

    /// Appends `value` as a JSON number; non-finite values (which JSON cannot carry) as `0`.
    static func append(_ value: Float, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(UInt8(ascii: "0"))
            return
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        if magnitude == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        let d = Double(magnitude)
        // Decimal exponent of the leading digit, from the binary one: right or one too small.
        var exponent = Int((Double(d.exponent) * 0.301_029_995_663_981_2).rounded(.down))
        var digits = scaled(d, exponent: exponent)
        if digits >= 1_000_000_000 {
            exponent += 1
            digits = scaled(d, exponent: exponent)
        } else if digits < 100_000_000 {
            exponent -= 1
            digits = scaled(d, exponent: exponent)
            if digits < 100_000_000 {
                exponent -= 1
                digits = scaled(d, exponent: exponent)
            }
        }
        if digits >= 1_000_000_000 { // 9.999999995… rounded up to 10.00000000
            digits /= 10
            exponent += 1
        }
        // `digits` now has 9 significant digits: value ≈ digits · 10^(exponent - 8).
        var count = 9
        // Fewer digits while the nearest shorter decimal still parses back to `value`.
        let ulp = Double(magnitude.ulp)
        let halfGapAbove = ulp / 2 * 0.999_999
        let halfGapBelow = (magnitude.significandBitPattern == 0 && magnitude > .leastNormalMagnitude ? ulp / 4 : ulp / 2) * 0.999_999
        let exact = d * power(8 - exponent) // `value` in units of the 9th digit, as a Double
        var divisor: UInt64 = 10
        while count > 1 {
            let shorter = (exact / Double(divisor)).rounded()
            let candidate = shorter * Double(divisor) // in units of the 9th digit
            let error = (candidate - exact) / power(8 - exponent) // back in absolute terms
            guard error >= 0 ? error < halfGapAbove : -error < halfGapBelow else { break }
            digits = UInt64(shorter) * divisor
            count -= 1
            divisor *= 10
        }
        if digits >= 1_000_000_000 { // a shorter candidate rounded up to the next power of ten
            digits /= 10
            exponent += 1
        }
        writeDigits(digits, exponent: exponent, to: &out)
    }

    /// `d · 10^(8 - exponent)` rounded to an integer.
    @inline(__always)
    private static func scaled(_ d: Double, exponent: Int) -> UInt64 {
        UInt64((d * power(8 - exponent)).rounded())
    }

    /// 10^k as a Double for k in -54 ... 54.
    @inline(__always)
    private static func power(_ k: Int) -> Double {
        k >= 0 ? powersOfTen[k] : 1 / powersOfTen[-k]
    }

    /// Writes the 9-digit significand `digits` (trailing zeros dropped) with the leading
    /// digit at 10^exponent: plain notation from 1e-7 to 1e9, exponent notation outside.
    private static func writeDigits(_ digits: UInt64, exponent: Int, to out: inout [UInt8]) {
        var buffer: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = digits
        var significant = 9
        while significant > 1, n % 10 == 0 {
            n /= 10
            significant -= 1
        }
        withUnsafeMutableBytes(of: &buffer) { raw in
            var m = n
            for i in stride(from: significant - 1, through: 0, by: -1) {
                raw[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            }
            let text = UnsafeRawBufferPointer(rebasing: raw[0..<significant])
            if exponent >= 0 && exponent < 9 {
                let integerDigits = exponent + 1
                if significant <= integerDigits {
                    out.append(contentsOf: text)
                    for _ in significant..<integerDigits { out.append(UInt8(ascii: "0")) }
                } else {
                    out.append(contentsOf: text[0..<integerDigits])
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: text[integerDigits...])
                }
            } else if exponent < 0 && exponent >= -7 {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                for _ in 0..<(-exponent - 1) { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: text)
            } else {
                out.append(text[0])
                if significant > 1 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: text[1...])
                }
                out.append(UInt8(ascii: "e"))
                if exponent < 0 { out.append(UInt8(ascii: "-")) }
                var e = exponent.magnitude
                var exponentDigits: [UInt8] = []
                repeat {
                    exponentDigits.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: e % 10))
                    e /= 10
                } while e > 0
                out.append(contentsOf: exponentDigits.reversed())
            }
        }
    }
}
