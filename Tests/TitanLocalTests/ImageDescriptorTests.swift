import Foundation
import Testing
@testable import TitanLocal

@Suite("Image decoding and descriptor")
struct ImageDescriptorTests {
    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var d: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<a.count { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return d / (na.squareRoot() * nb.squareRoot())
    }

    static func descriptor(_ bytes: [UInt8]) throws -> [Float] {
        ImageDescriptor.describe(try ImageCodec.decode(bytes, minSide: ImageDescriptor.decodeMinSide))
    }

    @Test("PNG round-trips exactly; JPEG round-trips closely")
    func codecRoundTrip() throws {
        let picture = TestPictures.discAndBar(width: 97, height: 61)
        let png = try ImageCodec.encodePNG(picture)
        #expect(ImageCodec.sniff(png) == .png)
        #expect(try ImageCodec.decode(png) == picture)
        let jpeg = try ImageCodec.encodeJPEG(picture, quality: 95)
        #expect(ImageCodec.sniff(jpeg) == .jpeg)
        let decoded = try ImageCodec.decode(jpeg)
        #expect(decoded.width == 97 && decoded.height == 61)
        var error = 0
        for i in 0..<picture.pixels.count { error += abs(Int(picture.pixels[i]) - Int(decoded.pixels[i])) }
        #expect(Double(error) / Double(picture.pixels.count) < 8)
    }

    @Test("large JPEGs are decoded with DCT scaling but keep the shorter side >= the minimum")
    func jpegScaledDecode() throws {
        let jpeg = try ImageCodec.encodeJPEG(TestPictures.gradient(width: 1024, height: 768))
        let scaled = try ImageCodec.decode(jpeg, minSide: 128)
        #expect(scaled.width == 256 && scaled.height == 192)
    }

    @Test("corrupt or foreign data is refused with a message")
    func corruptData() throws {
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(Array("GIF89a......".utf8)) }
        var png = try ImageCodec.encodePNG(TestPictures.stripes(width: 40, height: 40))
        png.removeLast(png.count / 2)
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(png) }
        var jpeg = try ImageCodec.encodeJPEG(TestPictures.stripes(width: 40, height: 40))
        jpeg.replaceSubrange(4..<jpeg.count, with: [UInt8](repeating: 0x41, count: 50))
        #expect(throws: ImageCodec.DecodeError.self) { try ImageCodec.decode(jpeg) }
    }

    @Test("the same picture resized and re-encoded stays above 0.95 cosine")
    func sameScene() throws {
        let original = try Self.descriptor(ImageCodec.encodePNG(TestPictures.discAndBar(width: 512, height: 512)))
        let variants = [
            try ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 512, height: 512), quality: 70),
            try ImageCodec.encodePNG(TestPictures.discAndBar(width: 200, height: 200)),
            try ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 96, height: 96), quality: 85),
            try ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 1200, height: 1200), quality: 90),
        ]
        for bytes in variants {
            let c = Self.cosine(original, try Self.descriptor(bytes))
            #expect(c > 0.95, "cosine \(c)")
        }
    }

    @Test("different colours or shapes land clearly further away")
    func differentScenes() throws {
        let base = try Self.descriptor(ImageCodec.encodePNG(TestPictures.discAndBar(width: 256, height: 256)))
        let resized = try Self.descriptor(ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 300, height: 300)))
        let same = Self.cosine(base, resized)
        for other in [TestPictures.stripes(width: 256, height: 256), TestPictures.recoloured(width: 256, height: 256)] {
            let c = Self.cosine(base, try Self.descriptor(ImageCodec.encodePNG(other)))
            #expect(c < 0.75, "cosine \(c)")
            #expect(same - c > 0.25)
        }
    }

    /// The cosine at and above which titan-local's image vectors count as the same picture (see
    /// ``sameScene()`` and docs/titan-local.md).
    static let nearDuplicate: Float = 0.95

    @Test("a grayscale copy of a colour picture stays a near-duplicate (PNG and grayscale JPEG)")
    func grayscaleCopy() throws {
        let pictures = [TestPictures.discAndBar(width: 300, height: 240), TestPictures.stripes(width: 256, height: 256),
                        TestPictures.recoloured(width: 200, height: 320), TestPictures.gradient(width: 320, height: 200, seed: 2)]
        for picture in pictures {
            let color = try Self.descriptor(ImageCodec.encodeJPEG(picture, quality: 90))
            let gray = TestPictures.grayscale(picture)
            let grayPNG = try Self.descriptor(ImageCodec.encodePNG(gray))
            let luma = stride(from: 0, to: gray.pixels.count, by: 3).map { gray.pixels[$0] }
            let grayJPEG = try Self.descriptor(ImageCodec.encodeJPEG(samples: luma, width: gray.width, height: gray.height, components: 1))
            // The same gray picture stored as a 3-channel JPEG picks up chroma noise; it must not matter.
            let grayRGBJPEG = try Self.descriptor(ImageCodec.encodeJPEG(gray, quality: 75))
            for (kind, vector) in [("PNG", grayPNG), ("grayscale JPEG", grayJPEG), ("RGB JPEG", grayRGBJPEG)] {
                let c = Self.cosine(color, vector)
                #expect(c >= Self.nearDuplicate, "\(kind): cosine \(c)")
            }
        }
    }

    @Test("changing the colours costs more than removing them")
    func recolouringIsFurtherThanGrayscale() throws {
        // Same shapes and luma as discAndBar (red disc, blue bar), other hues (green disc, purple bar).
        let original = TestPictures.discAndBar(width: 256, height: 256)
        let rehued = RGBImage(width: 256, height: 256) { x, y in
            let u = (Double(x) + 0.5) / 256, v = (Double(y) + 0.5) / 256
            if (u - 0.3) * (u - 0.3) + (v - 0.5) * (v - 0.5) < 0.04 { return (30, 122, 30) }
            if u > 0.65, u < 0.85, v > 0.2, v < 0.8 { return (110, 20, 120) }
            return (250, 250, 250)
        }
        let base = ImageDescriptor.describe(original)
        let gray = Self.cosine(base, ImageDescriptor.describe(TestPictures.grayscale(original)))
        let other = Self.cosine(base, ImageDescriptor.describe(rehued))
        #expect(other < gray - 0.02, "recoloured \(other), grayscale \(gray)")
        #expect(other < Self.nearDuplicate, "recoloured \(other)")
    }

    @Test("the descriptor is unit length and the same on every call")
    func deterministic() throws {
        let picture = TestPictures.gradient(width: 123, height: 77, seed: 3)
        let a = ImageDescriptor.describe(picture)
        let b = ImageDescriptor.describe(picture)
        #expect(a == b)
        #expect(a.count == ImageDescriptor.dimension)
        #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }
}
