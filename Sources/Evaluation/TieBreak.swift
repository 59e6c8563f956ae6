/// The seeded order of events that share a timestamp.
///
/// MovieLens stores many ratings of one user in the same second, and its item ids follow
/// release order: ordering ties by item id would make the held-out item systematically the
/// newest film, which leaks. A hash of (user, item, row) under a seed is arbitrary but
/// reproducible on every machine (unlike `Hasher`, which is seeded per process).
enum TieBreak {
    static func key(user: String, item: String, index: Int, seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ mix(seed)
        for b in user.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        h = (h ^ 0xFF) &* 0x100_0000_01B3
        for b in item.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return mix(h ^ mix(UInt64(bitPattern: Int64(index)) &+ seed))
    }

    /// A seeded position of an item among equal scores, so rankers never fall back to catalog (release) order.
    static func key(item: String, seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ mix(seed ^ 0x5EED)
        for b in item.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return mix(h)
    }

    /// SplitMix64's finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
