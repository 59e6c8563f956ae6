import CJPEG
import CPNG
#if canImport(Glibc)
import Glibc
#endif

/// PNG and JPEG decoding (and encoding, for tests and benchmarks) through libpng and
/// libjpeg-turbo. The C side catches the libraries' longjmp-based errors itself.
public enum ImageCodec {
    public enum Format: String, Sendable { case png, jpeg }

    /// Why an image could not be used.
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The format from the file's magic bytes, or nil when it is neither PNG nor JPEG.
    public static func sniff(_ data: [UInt8]) -> Format? {
        if data.count >= 8, data[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if data.count >= 3, data[0] == 0xFF, data[1] == 0xD8, data[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Most pixels a picture may declare (about 8192 × 8192); larger ones are refused before any pixel
    /// memory is taken, so that a few compressed megabytes cannot claim gigabytes.
    public static let defaultMaxPixels = 1 << 26

    /// Decodes PNG or JPEG to RGB as a viewer shows it: JPEGs in YCbCr, RGB, grayscale, CMYK or YCCK
    /// (Adobe-inverted or not), baseline or progressive, turned upright by their EXIF orientation; PNGs of
    /// every colour type, 8 or 16 bits, interlaced or not, with transparency composited onto white.
    ///
    /// - Parameters:
    ///   - minSide: JPEGs may be decoded scaled down (DCT scaling) as long as the shorter
    ///     side stays at least this long; 0 decodes at full size.
    ///   - maxPixels: pictures declaring more pixels (width × height in the header) are refused.
    /// - Throws: ``DecodeError`` for other formats, corrupt or truncated data, and oversized pictures.
    public static func decode(_ data: [UInt8], minSide: Int = 0, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        guard let format = sniff(data) else { throw DecodeError(message: "image is neither PNG nor JPEG") }
        var out: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let limit = UInt64(max(0, maxPixels))
        let status: Int32 = data.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { m in
                switch format {
                case .png:
                    return cpng_decode_rgb(buffer.baseAddress, buffer.count, limit, &out, &width, &height, m.baseAddress, m.count)
                case .jpeg:
                    return cjpeg_decode_rgb(buffer.baseAddress, buffer.count, UInt32(max(0, minSide)), limit,
                                            &out, &width, &height, m.baseAddress, m.count)
                }
            }
        }
        defer { free(out) }
        guard status == 0, let out, width > 0, height > 0 else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DecodeError(message: "cannot decode \(format.rawValue) image\(detail.isEmpty ? "" : ": \(detail)")")
        }
        let count = Int(width) * Int(height) * 3
        let image = RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: out, count: count)))
        return format == .jpeg ? image.oriented(ExifOrientation.read(jpeg: data)) : image
    }

    /// PNG bytes of `image`.
    public static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer {
            cpng_encode_rgb($0.baseAddress, UInt32(image.width), UInt32(image.height), &out, &size)
        }
        defer { free(out) }
        guard status == 0, let out else { throw DecodeError(message: "PNG encoding failed") }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Baseline (or progressive) JPEG bytes of `image` at `quality` (1…100).
    public static func encodeJPEG(_ image: RGBImage, quality: Int = 90, progressive: Bool = false) throws -> [UInt8] {
        try encodeJPEG(samples: image.pixels, width: image.width, height: image.height, components: 3,
                       quality: quality, progressive: progressive)
    }

    /// How ``encodeJPEG(samples:width:height:components:quality:progressive:cmyk:)`` stores 4-component samples.
    public enum CMYKStorage: Sendable {
        /// CMYK with an Adobe APP14 marker: readers take the samples as inverted (255 = no ink), as Photoshop writes them.
        case adobeInverted
        /// CMYK without a marker: samples are ink amounts (255 = full ink).
        case plain
        /// YCCK (always with the Adobe marker, so inverted like ``adobeInverted``).
        case ycck
    }

    /// JPEG bytes of packed 8-bit samples with 1 (grayscale), 3 (RGB) or 4 (CMYK) components; for tests and benchmarks.
    public static func encodeJPEG(samples: [UInt8], width: Int, height: Int, components: Int, quality: Int = 90,
                                  progressive: Bool = false, cmyk: CMYKStorage = .adobeInverted) throws -> [UInt8] {
        guard [1, 3, 4].contains(components), width > 0, height > 0, samples.count == width * height * components else {
            throw DecodeError(message: "JPEG encoding needs width*height*components samples with 1, 3 or 4 components")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = samples.withUnsafeBufferPointer {
            cjpeg_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(components), Int32(min(100, max(1, quality))),
                         progressive ? 1 : 0, cmyk == .ycck ? 1 : 0, cmyk == .plain ? 0 : 1, &out, &size)
        }
        defer { free(out) }
        guard status == 0, let out else { throw DecodeError(message: "JPEG encoding failed") }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
