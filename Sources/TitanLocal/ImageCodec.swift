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

    /// Decodes PNG or JPEG to RGB.
    ///
    /// - Parameters:
    ///   - minSide: JPEGs may be decoded scaled down (DCT scaling) as long as the shorter
    ///     side stays at least this long; 0 decodes at full size.
    /// - Throws: ``DecodeError`` for other formats and corrupt data.
    public static func decode(_ data: [UInt8], minSide: Int = 0) throws -> RGBImage {
        guard let format = sniff(data) else { throw DecodeError(message: "image is neither PNG nor JPEG") }
        var out: UnsafeMutablePointer<UInt8>?
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = data.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { m in
                switch format {
                case .png:
                    return cpng_decode_rgb(buffer.baseAddress, buffer.count, &out, &width, &height, m.baseAddress, m.count)
                case .jpeg:
                    return cjpeg_decode_rgb(buffer.baseAddress, buffer.count, UInt32(max(0, minSide)), &out, &width, &height, m.baseAddress, m.count)
                }
            }
        }
        defer { free(out) }
        guard status == 0, let out, width > 0, height > 0 else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DecodeError(message: "cannot decode \(format.rawValue) image\(detail.isEmpty ? "" : ": \(detail)")")
        }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: out, count: count)))
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

    /// Baseline JPEG bytes of `image` at `quality` (1…100).
    public static func encodeJPEG(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer {
            cjpeg_encode_rgb($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(min(100, max(1, quality))), &out, &size)
        }
        defer { free(out) }
        guard status == 0, let out else { throw DecodeError(message: "JPEG encoding failed") }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
