import Foundation
import TitanLocal

/// Real PNG and JPEG bytes made at test time (libpng and libjpeg through titan-local's codec), and the odd
/// JPEG segments the header reader must walk past.
enum Fixtures {
    /// A smooth gradient: compresses well, so even large pictures are small files.
    static func png(_ width: Int, _ height: Int) throws -> [UInt8] {
        try ImageCodec.encodePNG(picture(width, height))
    }

    /// Random pixels (deterministic): PNG cannot compress them, so the file is about width × height × 3 bytes.
    static func noisyPNG(_ width: Int, _ height: Int) throws -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in pixels.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return try ImageCodec.encodePNG(RGBImage(width: width, height: height, pixels: pixels))
    }

    static func jpeg(_ width: Int, _ height: Int, progressive: Bool = false) throws -> [UInt8] {
        try ImageCodec.encodeJPEG(picture(width, height), quality: 85, progressive: progressive)
    }

    static func picture(_ width: Int, _ height: Int) -> RGBImage {
        RGBImage(width: width, height: height) { x, y in (UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128) }
    }

    /// `jpeg` with `segments` inserted right after SOI (where cameras put APP1 Exif and APP2 ICC profiles).
    static func inserting(_ segments: [[UInt8]], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segments.flatMap { $0 } + Array(jpeg[2...])
    }

    /// A marker segment: `FF marker`, a 2-byte length (including itself), the payload.
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        precondition(length <= 0xFFFF)
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// An APP1 Exif segment of `size` payload bytes: a TIFF header with orientation 6 (rotate 90°) and a
    /// "thumbnail" that is itself a complete JPEG with its own SOF and EOI, which the reader must skip.
    static func exif(size: Int, thumbnail: [UInt8]) -> [UInt8] {
        var p = Array("Exif\0\0".utf8)
        p += [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08] // big-endian TIFF, IFD0 at 8
        p += [0x00, 0x01] // one entry
        p += [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00] // Orientation = 6
        p += [0x00, 0x00, 0x00, 0x00]
        p += thumbnail
        p += [UInt8](repeating: 0xFF, count: max(0, size - p.count)) // fill: even 0xFF runs inside a segment are data
        return segment(0xE1, p)
    }

    /// An APP2 segment shaped like an ICC profile chunk.
    static func icc(size: Int) -> [UInt8] {
        segment(0xE2, Array("ICC_PROFILE\0".utf8) + [1, 1] + [UInt8](repeating: 0x42, count: size))
    }

    /// A fresh temporary directory (removed by the caller).
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-tests-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    /// A JSONL line the way Bedrock's examples write it.
    static func line(_ ref: String, _ caption: String) -> String {
        let object: [String: String] = ["image-ref": ref, "caption": caption]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static let gif: [UInt8] = Array("GIF89a".utf8) + [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00,
                                                      0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00,
                                                      0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]
}
