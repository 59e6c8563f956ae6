import TitanLocal

/// Procedurally drawn pictures: drawing the same scene at another size is the same
/// picture resized, without needing a resampler in the tests.
enum TestPictures {
    typealias RGB = (UInt8, UInt8, UInt8)

    /// Red disc on the left, blue bar on the right, on white.
    static func discAndBar(width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let u = (Double(x) + 0.5) / Double(width), v = (Double(y) + 0.5) / Double(height)
            if (u - 0.3) * (u - 0.3) + (v - 0.5) * (v - 0.5) < 0.04 { return (220, 30, 30) }
            if u > 0.65, u < 0.85, v > 0.2, v < 0.8 { return (30, 40, 200) }
            return (250, 250, 250)
        }
    }

    /// Green background with yellow diagonal stripes.
    static func stripes(width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let u = Double(x) / Double(width), v = Double(y) / Double(height)
            return Int((u + v) * 8) % 2 == 0 ? (40, 150, 60) : (240, 220, 40)
        }
    }

    /// The disc-and-bar layout with other colours (cyan disc, orange bar, dark background).
    static func recoloured(width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let u = (Double(x) + 0.5) / Double(width), v = (Double(y) + 0.5) / Double(height)
            if (u - 0.3) * (u - 0.3) + (v - 0.5) * (v - 0.5) < 0.04 { return (30, 200, 210) }
            if u > 0.65, u < 0.85, v > 0.2, v < 0.8 { return (240, 140, 20) }
            return (20, 20, 30)
        }
    }

    /// A smooth photo-like gradient with some texture, for benchmarks and size tests.
    static func gradient(width: Int, height: Int, seed: Int = 0) -> RGBImage {
        RGBImage(width: width, height: height) { x, y in
            let n = (x &* 73_856_093 ^ y &* 19_349_663 ^ seed &* 83_492_791) & 31
            return (UInt8((x * 255 / max(1, width - 1) + n) & 255), UInt8((y * 255 / max(1, height - 1)) & 255), UInt8((128 + n * 3) & 255))
        }
    }

    /// A grayscale copy as photo tools make it (Rec. 601 luma in all three channels).
    static func grayscale(_ picture: RGBImage) -> RGBImage {
        var pixels = picture.pixels
        for i in stride(from: 0, to: pixels.count, by: 3) {
            let r = 299 * Int(pixels[i]), g = 587 * Int(pixels[i + 1]), b = 114 * Int(pixels[i + 2])
            let y = UInt8((r + g + b + 500) / 1000)
            pixels[i] = y; pixels[i + 1] = y; pixels[i + 2] = y
        }
        return RGBImage(width: picture.width, height: picture.height, pixels: pixels)
    }
}
