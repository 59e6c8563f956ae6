/// A decoded picture: packed 8-bit RGB, row-major, no padding.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixel count must be width*height*3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A picture filled by `color(x, y) -> (r, g, b)`; handy for tests and benchmarks.
    public init(width: Int, height: Int, color: (Int, Int) -> (UInt8, UInt8, UInt8)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let (r, g, b) = color(x, y)
                let i = (y * width + x) * 3
                pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
