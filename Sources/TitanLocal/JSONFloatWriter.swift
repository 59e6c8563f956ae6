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

    /// The most bytes one value takes (`-1.23456789e-45`, `-0.0000123456789`).
    static let maxLength = 16

    /// Appends `value` as a JSON number; non-finite values (which JSON cannot carry) as `0`.
    static func append(_ value: Float, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let n = write(value, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// Writes `value` at `p`, which must have room for ``maxLength`` bytes; returns the count written.
    static func write(_ value: Float, to p: UnsafeMutablePointer<UInt8>) -> Int {
        guard value.isFinite else {
            p[0] = UInt8(ascii: "0")
            return 1
        }
        var n = 0
        if value.sign == .minus {
            p[0] = UInt8(ascii: "-")
            n = 1
        }
        let magnitude = value.magnitude
        if magnitude == 0 {
            p[n] = UInt8(ascii: "0")
            return n + 1
        }
        let d = Double(magnitude)
        // Decimal exponent of the leading digit, from the binary one: right or one too small.
        var exponent = Int((Double(d.exponent) * 0.301_029_995_663_981_2).rounded(.down))
        var exact = d * power(8 - exponent) // `value` in units of the 9th significant digit
        if exact.rounded() >= 1_000_000_000 {
            exponent += 1
            exact = d * power(8 - exponent)
        }
        var digits = UInt64(exact.rounded())
        if digits >= 1_000_000_000 { // 9.999999995… rounded up to 10.00000000
            digits /= 10
            exponent += 1
            exact = d * power(8 - exponent)
        }
        // `digits` now has 9 significant digits: value ≈ digits · 10^(exponent - 8).
        // Fewer digits while the nearest shorter decimal still parses back to `value`;
        // errors are compared in units of the 9th digit.
        let unit = power(exponent - 8)
        let ulp = Double(magnitude.ulp) / unit
        let halfGapAbove = ulp / 2 * 0.999_999
        let halfGapBelow = (magnitude.significandBitPattern == 0 && magnitude > .leastNormalMagnitude ? ulp / 4 : ulp / 2) * 0.999_999
        var step = 10.0
        for _ in 0..<8 {
            let candidate = (exact / step).rounded() * step
            let error = candidate - exact
            guard error >= 0 ? error < halfGapAbove : -error < halfGapBelow else { break }
            digits = UInt64(candidate)
            step *= 10
        }
        if digits >= 1_000_000_000 { // a shorter candidate rounded up to the next power of ten
            digits /= 10
            exponent += 1
        }
        return n + writeDigits(digits, exponent: exponent, to: p + n)
    }

    /// 10^k as a Double for k in -54 ... 54.
    @inline(__always)
    private static func power(_ k: Int) -> Double {
        k >= 0 ? powersOfTen[k] : 1 / powersOfTen[-k]
    }

    /// Writes the 9-digit significand `digits` (trailing zeros dropped) with the leading
    /// digit at 10^exponent: plain notation from 1e-5 to 1e9, exponent notation outside
    /// (which also keeps every value within ``maxLength``).
    private static func writeDigits(_ digits: UInt64, exponent: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var m = digits
        var significant = 9
        while significant > 1, m % 10 == 0 {
            m /= 10
            significant -= 1
        }
        let zero = UInt8(ascii: "0")
        /// Writes the significant digits at `q`, with a `.` after the first `pointAfter` of them (none if 0).
        func significand(at q: UnsafeMutablePointer<UInt8>, pointAfter: Int) -> Int {
            let length = significant + (pointAfter > 0 && pointAfter < significant ? 1 : 0)
            var r = m
            var i = length - 1
            for k in stride(from: significant - 1, through: 0, by: -1) {
                q[i] = zero &+ UInt8(truncatingIfNeeded: r % 10)
                r /= 10
                i -= 1
                if k == pointAfter && length > significant {
                    q[i] = UInt8(ascii: ".")
                    i -= 1
                }
            }
            return length
        }
        if exponent >= 0 && exponent < 9 {
            let integerDigits = exponent + 1
            if significant <= integerDigits {
                var n = significand(at: p, pointAfter: 0)
                while n < integerDigits {
                    p[n] = zero
                    n += 1
                }
                return n
            }
            return significand(at: p, pointAfter: integerDigits)
        }
        if exponent < 0 && exponent >= -5 {
            p[0] = zero
            p[1] = UInt8(ascii: ".")
            var n = 2
            for _ in 0..<(-exponent - 1) {
                p[n] = zero
                n += 1
            }
            return n + significand(at: p + n, pointAfter: 0)
        }
        var n = significand(at: p, pointAfter: 1)
        p[n] = UInt8(ascii: "e")
        n += 1
        if exponent < 0 {
            p[n] = UInt8(ascii: "-")
            n += 1
        }
        let e = exponent.magnitude
        if e >= 10 {
            p[n] = zero &+ UInt8(truncatingIfNeeded: e / 10)
            n += 1
        }
        p[n] = zero &+ UInt8(truncatingIfNeeded: e % 10)
        return n + 1
    }
}
