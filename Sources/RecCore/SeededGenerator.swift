/// SplitMix64: a tiny, fully specified PRNG, so projections, generated catalogs and
/// property tests are bit-for-bit the same on every run and machine
/// (`SystemRandomNumberGenerator` is not seedable).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), from 53 random bits (no libm involved, so exactly reproducible).
    public mutating func nextSymmetricUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) * 2 - 1
    }

    /// Uniform in [-1, 1] as a `Float` (53 random bits rounded to `Float`, then scaled), for seeded test and bench vectors.
    public mutating func nextSymmetricFloat() -> Float {
        Float(Double(next() >> 11) / Double(1 << 53)) * 2 - 1
    }
}
