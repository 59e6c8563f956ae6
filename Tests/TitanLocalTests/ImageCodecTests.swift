import Foundation
import Testing
@testable import TitanLocal

/// Real-world photo files: CMYK/YCCK and progressive JPEGs, EXIF orientation, every PNG flavour, transparency.
@Suite("Image decoding of real-world files")
struct ImageCodecTests {
    typealias RGB = (UInt8, UInt8, UInt8)

    static func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> RGB {
        let i = (y * image.width + x) * 3
        return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
    }

    static func close(_ a: RGB, _ b: RGB, within tolerance: Int) -> Bool {
        abs(Int(a.0) - Int(b.0)) <= tolerance && abs(Int(a.1) - Int(b.1)) <= tolerance && abs(Int(a.2) - Int(b.2)) <= tolerance
    }

    /// Six 16×16 blocks (JPEG-aligned, so colours stay clean inside): red, green, blue, white, black, mid grey.
    static let blockColors: [RGB] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (128, 128, 128)]

    /// The blocks as CMYK ink amounts (255 = full ink), the naive inverse of R = (1 − C)(1 − K).
    static func cmykBlocks(inverted: Bool) -> [UInt8] {
        var samples: [UInt8] = []
        for _ in 0..<16 {
            for x in 0..<96 {
                let (r, g, b) = blockColors[x / 16]
                let k = 255 - max(r, g, b)
                var cmyk = [Self.ink(r, k), Self.ink(g, k), Self.ink(b, k), k]
                if inverted { cmyk = cmyk.map { 255 - $0 } }
                samples += cmyk
            }
        }
        return samples
    }

    /// The ink for colour channel `c` given black `k` (both 0…255): 255·(255 − c − k)/(255 − k), rounded.
    static func ink(_ c: UInt8, _ k: UInt8) -> UInt8 {
        let c = Int(c), k = Int(k)
        guard k < 255 else { return 0 }
        let numerator = 255 * (255 - c - k) + (255 - k) / 2
        return UInt8(numerator / (255 - k))
    }

    static func expectBlocks(_ image: RGBImage, tolerance: Int = 10, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(image.width == 96 && image.height == 16, sourceLocation: sourceLocation)
        for (i, color) in blockColors.enumerated() {
            let got = pixel(image, i * 16 + 8, 8)
            #expect(close(got, color, within: tolerance), "block \(i): \(got) for \(color)", sourceLocation: sourceLocation)
        }
    }

    @Test("Adobe (inverted) CMYK, plain CMYK and YCCK JPEGs decode to their colours")
    func cmykAndYCCK() throws {
        let adobe = try ImageCodec.encodeJPEG(samples: Self.cmykBlocks(inverted: true), width: 96, height: 16, components: 4,
                                              quality: 95, cmyk: .adobeInverted)
        Self.expectBlocks(try ImageCodec.decode(adobe))
        let plain = try ImageCodec.encodeJPEG(samples: Self.cmykBlocks(inverted: false), width: 96, height: 16, components: 4,
                                              quality: 95, cmyk: .plain)
        Self.expectBlocks(try ImageCodec.decode(plain))
        let ycck = try ImageCodec.encodeJPEG(samples: Self.cmykBlocks(inverted: true), width: 96, height: 16, components: 4,
                                             quality: 95, cmyk: .ycck)
        Self.expectBlocks(try ImageCodec.decode(ycck))
        // DCT-scaled decoding (the descriptor's path) works for CMYK too.
        let big = TestPictures.discAndBar(width: 512, height: 512)
        var inverted: [UInt8] = []
        for i in stride(from: 0, to: big.pixels.count, by: 3) {
            let (r, g, b) = (big.pixels[i], big.pixels[i + 1], big.pixels[i + 2])
            let k: UInt8 = 255 - max(r, g, b)
            inverted += [255 - Self.ink(r, k), 255 - Self.ink(g, k), 255 - Self.ink(b, k), 255 - k]
        }
        let cmykPhoto = try ImageCodec.encodeJPEG(samples: inverted, width: 512, height: 512, components: 4, quality: 90)
        let scaled = try ImageCodec.decode(cmykPhoto, minSide: 128)
        #expect(scaled.width == 128 && scaled.height == 128)
        #expect(Self.close(Self.pixel(scaled, 38, 64), (220, 30, 30), within: 14), "\(Self.pixel(scaled, 38, 64))")
    }

    @Test("progressive and grayscale JPEGs decode")
    func progressiveAndGray() throws {
        let picture = TestPictures.discAndBar(width: 96, height: 64)
        let progressive = try ImageCodec.encodeJPEG(picture, quality: 95, progressive: true)
        let decoded = try ImageCodec.decode(progressive)
        #expect(decoded.width == 96 && decoded.height == 64)
        #expect(Self.close(Self.pixel(decoded, 28, 32), (220, 30, 30), within: 12))
        var gray: [UInt8] = []
        for i in 0..<(96 * 64) { gray.append(UInt8((i % 96) * 255 / 95)) }
        let grayJPEG = try ImageCodec.encodeJPEG(samples: gray, width: 96, height: 64, components: 1, quality: 95)
        let g = try ImageCodec.decode(grayJPEG)
        for (x, y) in [(0, 0), (48, 30), (95, 63)] {
            let (r, gg, b) = Self.pixel(g, x, y)
            #expect(r == gg && gg == b)
            #expect(abs(Int(r) - x * 255 / 95) <= 6)
        }
    }

    /// `jpeg` with an APP1 Exif segment carrying orientation `value` inserted after SOI.
    static func withExifOrientation(_ jpeg: [UInt8], _ value: Int, littleEndian: Bool) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF) }
        var tiff: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        tiff += u16(42) + u32(8)
        // IFD0 with two entries: an unrelated one first (ImageWidth, LONG), then Orientation (SHORT).
        tiff += u16(2)
        tiff += u16(0x0100) + u16(4) + u32(1) + u32(1234)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(value) + u16(0)
        tiff += u32(0)
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
    }

    @Test("EXIF orientation turns the picture upright, in both byte orders and all 8 orientations")
    func exifOrientation() throws {
        // Stored 48×32: red top-left, green top-right, blue bottom-left, yellow bottom-right.
        let r: RGB = (230, 20, 20), g: RGB = (20, 200, 40), b: RGB = (20, 40, 220), y: RGB = (240, 220, 30)
        let stored = RGBImage(width: 48, height: 32) { px, py in py < 16 ? (px < 24 ? r : g) : (px < 24 ? b : y) }
        let jpeg = try ImageCodec.encodeJPEG(stored, quality: 95)
        // Expected corners as shown: top-left, top-right, bottom-left, bottom-right.
        let expected: [Int: [RGB]] = [
            1: [r, g, b, y], 2: [g, r, y, b], 3: [y, b, g, r], 4: [b, y, r, g],
            5: [r, b, g, y], 6: [b, r, y, g], 7: [y, g, b, r], 8: [g, y, r, b],
        ]
        for value in 1...8 {
            for littleEndian in [true, false] {
                let image = try ImageCodec.decode(Self.withExifOrientation(jpeg, value, littleEndian: littleEndian))
                let swapped = value >= 5
                #expect(image.width == (swapped ? 32 : 48) && image.height == (swapped ? 48 : 32), "orientation \(value)")
                let w = image.width, h = image.height
                let corners = [Self.pixel(image, 3, 3), Self.pixel(image, w - 4, 3), Self.pixel(image, 3, h - 4), Self.pixel(image, w - 4, h - 4)]
                for (got, want) in zip(corners, expected[value]!) {
                    #expect(Self.close(got, want, within: 16), "orientation \(value) \(littleEndian ? "II" : "MM"): \(corners)")
                }
            }
        }
    }

    @Test("malformed EXIF is ignored, not fatal")
    func malformedExif() throws {
        let jpeg = try ImageCodec.encodeJPEG(TestPictures.stripes(width: 40, height: 24))
        #expect(ExifOrientation.read(jpeg: jpeg) == .up)
        // Orientation 9 (invalid), a TIFF header cut short, and an IFD offset pointing past the segment.
        #expect(try ImageCodec.decode(Self.withExifOrientation(jpeg, 9, littleEndian: true)).width == 40)
        let short = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0A] + Array("Exif\0\0".utf8) + [0x4D, 0x4D] + jpeg[2...]
        #expect(try ImageCodec.decode(Array(short)).width == 40)
        let farIFD = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10] + Array("Exif\0\0".utf8) + [0x49, 0x49, 42, 0, 0xFF, 0xFF, 0, 0] + jpeg[2...]
        #expect(ExifOrientation.read(jpeg: Array(farIFD)) == .up)
        #expect(try ImageCodec.decode(Array(farIFD)).height == 24)
    }

    @Test("PNG transparency (alpha, gray+alpha, palette tRNS, colour-key tRNS) is composited onto white")
    func pngTransparencyOnWhite() throws {
        let white: RGB = (255, 255, 255)
        // RGBA: left half fully transparent (with a dark colour underneath), right half opaque red.
        let rgba = TestPNG.encode(width: 8, height: 4, colorType: .rgba) { x, _ in x < 4 ? [10, 20, 30, 0] : [255, 0, 0, 255] }
        var image = try ImageCodec.decode(rgba)
        #expect(Self.pixel(image, 1, 1) == white)
        #expect(Self.pixel(image, 6, 1) == (255, 0, 0))
        // Gray + alpha, 16 bits.
        let grayAlpha = TestPNG.encode(width: 8, height: 4, colorType: .grayAlpha, bitDepth: 16) { x, _ in x < 4 ? [0, 0] : [0x6464, 0xFFFF] }
        image = try ImageCodec.decode(grayAlpha)
        #expect(Self.pixel(image, 1, 1) == white)
        #expect(Self.pixel(image, 6, 1) == (100, 100, 100))
        // Palette with tRNS: index 0 transparent black, index 1 opaque blue.
        let palette = TestPNG.encode(width: 8, height: 4, colorType: .palette, palette: [(0, 0, 0), (0, 0, 255)], transparency: [0, 255]) { x, _ in [x < 4 ? 0 : 1] }
        image = try ImageCodec.decode(palette)
        #expect(Self.pixel(image, 1, 1) == white)
        #expect(Self.pixel(image, 6, 1) == (0, 0, 255))
        // RGB and gray with a tRNS colour key (black is transparent).
        let keyed = TestPNG.encode(width: 8, height: 4, colorType: .rgb, transparency: [0, 0, 0, 0, 0, 0]) { x, _ in x < 4 ? [0, 0, 0] : [0, 128, 0] }
        image = try ImageCodec.decode(keyed)
        #expect(Self.pixel(image, 1, 1) == white)
        #expect(Self.pixel(image, 6, 1) == (0, 128, 0))
        let grayKeyed = TestPNG.encode(width: 8, height: 4, colorType: .gray, transparency: [0, 0]) { x, _ in [x < 4 ? 0 : 60] }
        image = try ImageCodec.decode(grayKeyed)
        #expect(Self.pixel(image, 1, 1) == white)
        #expect(Self.pixel(image, 6, 1) == (60, 60, 60))
    }

    @Test("16-bit and interlaced PNGs decode to the same 8-bit pixels as plain ones")
    func sixteenBitAndInterlacedPNG() throws {
        let picture = TestPictures.gradient(width: 37, height: 23, seed: 5)
        func channels(_ x: Int, _ y: Int) -> [Int] {
            let i = (y * picture.width + x) * 3
            return [Int(picture.pixels[i]), Int(picture.pixels[i + 1]), Int(picture.pixels[i + 2])]
        }
        let plain = TestPNG.encode(width: 37, height: 23, colorType: .rgb, sample: channels)
        #expect(try ImageCodec.decode(plain) == picture)
        let interlaced = TestPNG.encode(width: 37, height: 23, colorType: .rgb, interlaced: true, sample: channels)
        #expect(try ImageCodec.decode(interlaced) == picture)
        // 16 bits without gAMA: sRGB-encoded like the 8-bit file (v * 257 is v in 16 bits), not linear light.
        let deep = TestPNG.encode(width: 37, height: 23, colorType: .rgb, bitDepth: 16, interlaced: true) { x, y in channels(x, y).map { $0 * 257 } }
        #expect(try ImageCodec.decode(deep) == picture)
        let deepAlpha = TestPNG.encode(width: 37, height: 23, colorType: .rgba, bitDepth: 16) { x, y in channels(x, y).map { $0 * 257 } + [0xFFFF] }
        #expect(try ImageCodec.decode(deepAlpha) == picture)
    }

    @Test("truncated, corrupt and oversized pictures are refused with a message, never a crash")
    func refusals() throws {
        let jpeg = try ImageCodec.encodeJPEG(TestPictures.gradient(width: 200, height: 150), quality: 90)
        for cut in [jpeg.count / 2, jpeg.count - 10, 400] {
            let error = #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(Array(jpeg.prefix(cut))) }
            #expect(error?.message.hasPrefix("cannot decode jpeg image") == true, "\(String(describing: error))")
        }
        let progressive = try ImageCodec.encodeJPEG(TestPictures.gradient(width: 200, height: 150), progressive: true)
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(Array(progressive.prefix(progressive.count * 2 / 3))) }
        // Garbage after a valid header and SOI alone.
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(Array(jpeg.prefix(300)) + [UInt8](repeating: 0xFF, count: 300)) }
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode([0xFF, 0xD8, 0xFF]) }
        // A header declaring 60000 × 60000 pixels (SOF0 height/width patched) is refused before decoding.
        var huge = jpeg
        let sof = (0..<(huge.count - 1)).first { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 }!
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        let oversized = #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(huge) }
        #expect(oversized?.message.contains("60000 x 60000") == true, "\(String(describing: oversized))")
        let hugePNG: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + TestPNG.chunk("IHDR", TestPNG.be32(30_000) + TestPNG.be32(30_000) + [8, 0, 0, 0, 0])
            + TestPNG.chunk("IDAT", TestPNG.zlibStored([0])) + TestPNG.chunk("IEND", [])
        let pngError = #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(hugePNG) }
        #expect(pngError?.message.contains("30000 x 30000") == true, "\(String(describing: pngError))")
    }
}
