#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an image's format and dimensions from its header, without decoding it: a PNG's IHDR chunk, a JPEG's
/// frame header (SOFn). A file is read where the header is, not as a whole: a JPEG's APPn segments (EXIF,
/// ICC profiles, thumbnails, up to 64 KB each) are skipped by their lengths.
///
/// JPEG markers are walked as ITU T.81 B.1.1.2 and libjpeg do: any number of `0xFF` fill bytes may precede a
/// marker, standalone markers (`RSTn`, `TEM`) carry no length, and stray bytes between segments are skipped
/// (up to 1 MiB). Every SOFn marker is a frame header (baseline `C0`, extended `C1`, progressive `C2`,
/// lossless, hierarchical and arithmetic-coded ones), `C4` (DHT), `C8` (JPG) and `CC` (DAC) are not.
/// A scan (`SOS`) or the end of the image before any frame header is an error.
public enum ImageHeaderReader {
    /// How many bytes at the end are searched for the end marker (PNG `IEND`, JPEG `EOI`).
    static let trailerWindow = 4096
    /// Bytes that may lie between JPEG segments before the file is refused (libjpeg skips them with a warning).
    static let maxStrayBytes = 1 << 20

    /// The header of the image in `bytes`.
    ///
    /// - Throws: ``ImageHeaderError``.
    public static func inspect(_ bytes: [UInt8]) throws(ImageHeaderError) -> ImageInspection {
        try inspect(MemorySource(bytes: bytes))
    }

    /// The header of the image file at `path` (a regular file; reads a few KB, wherever the header is).
    ///
    /// - Throws: ``ImageHeaderError`` (`unreadable` when the file cannot be opened, is not a regular file or
    ///   a read fails).
    public static func inspect(path: String) throws(ImageHeaderError) -> ImageInspection {
        let source = try FileSource(path: path)
        return try inspect(source)
    }

    static func inspect(_ source: some ImageByteSource) throws(ImageHeaderError) -> ImageInspection {
        let head = try source.read(at: 0, count: 64)
        let header: ImageHeader
        let headerEnd: Int
        if head.starts(with: pngSignature) {
            header = try png(head, size: source.size)
            headerEnd = 33
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            (header, headerEnd) = try jpeg(source)
        } else {
            throw ImageHeaderError(.unsupportedFormat, head.isEmpty ? "the file is empty" : "not PNG or JPEG (\(sniff(head)))")
        }
        let start = max(headerEnd, source.size - trailerWindow)
        let tail = start < source.size ? try source.read(at: start, count: source.size - start) : []
        let complete = header.format == .png ? contains(tail, iend) : contains(tail, [0xFF, 0xD9])
        return ImageInspection(header: header, byteCount: source.size, isComplete: complete)
    }

    // MARK: - PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The IEND chunk: length 0, type, CRC.
    static let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]

    private static func png(_ b: [UInt8], size: Int) throws(ImageHeaderError) -> ImageHeader {
        guard b.count >= 33 else { throw ImageHeaderError(.truncated, "the PNG ends inside its IHDR chunk (\(size) bytes)") }
        guard be32(b, 8) == 13, Array(b[12..<16]) == Array("IHDR".utf8) else {
            throw ImageHeaderError(.malformed, "the PNG does not start with a 13-byte IHDR chunk")
        }
        guard be32(b, 29) == crc32(b[12..<29]) else { throw ImageHeaderError(.malformed, "the PNG's IHDR chunk fails its CRC") }
        let width = be32(b, 16), height = be32(b, 20)
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw ImageHeaderError(.malformed, "the PNG's IHDR says \(width) × \(height) pixels")
        }
        let depth = b[24], colorType = b[25]
        let depths: [UInt8: [UInt8]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let allowed = depths[colorType], allowed.contains(depth) else {
            throw ImageHeaderError(.malformed, "the PNG's IHDR has colour type \(colorType) with bit depth \(depth)")
        }
        let channels: [UInt8: Int] = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4]
        return ImageHeader(format: .png, width: Int(width), height: Int(height), components: channels[colorType]!)
    }

    // MARK: - JPEG

    private static func jpeg(_ source: some ImageByteSource) throws(ImageHeaderError) -> (ImageHeader, Int) {
        var c = Cursor(source: source, offset: 2)
        var stray = 0
        while true {
            var b = try c.byte()
            guard b == 0xFF else {
                stray += 1
                guard stray <= maxStrayBytes else { throw ImageHeaderError(.malformed, "no JPEG marker in \(maxStrayBytes) bytes") }
                continue
            }
            // Fill bytes: any number of 0xFF before the marker code.
            repeat { b = try c.byte() } while b == 0xFF
            switch b {
            case 0x00:
                stray += 2 // a stuffed zero outside entropy-coded data: stray bytes
            case 0x01, 0xD0...0xD7:
                continue // TEM, RSTn: no length
            case 0xD8:
                throw ImageHeaderError(.malformed, "a second start-of-image marker before the JPEG's frame header")
            case 0xD9:
                throw ImageHeaderError(.malformed, "the JPEG ends (EOI) before a frame header (SOFn)")
            case 0xDA:
                throw ImageHeaderError(.malformed, "a JPEG scan (SOS) before the frame header")
            default:
                let at = c.offset - 1
                let length = try c.uint16()
                guard length >= 2 else { throw ImageHeaderError(.malformed, "JPEG segment FF\(hex(b)) at byte \(at) has length \(length)") }
                guard let process = ImageHeader.JPEGProcess(sofMarker: b) else {
                    c.skip(length - 2)
                    guard c.offset <= source.size else {
                        throw ImageHeaderError(.truncated, "the JPEG ends inside segment FF\(hex(b)) at byte \(at)")
                    }
                    continue
                }
                guard length >= 8 else { throw ImageHeaderError(.malformed, "the JPEG frame header (FF\(hex(b))) is \(length) bytes") }
                _ = try c.byte() // sample precision
                let height = try c.uint16(), width = try c.uint16()
                let components = Int(try c.byte())
                guard components >= 1, length == 8 + 3 * components else {
                    throw ImageHeaderError(.malformed, "the JPEG frame header has \(components) components in \(length) bytes")
                }
                guard c.offset + 3 * components <= source.size else { throw ImageHeaderError(.truncated, "the JPEG ends inside its frame header") }
                guard width > 0 else { throw ImageHeaderError(.malformed, "the JPEG frame header says width 0") }
                guard height > 0 else {
                    throw ImageHeaderError(.malformed, "the JPEG frame header says height 0 (set later by a DNL marker, which few decoders support)")
                }
                let header = ImageHeader(format: .jpeg, width: width, height: height, jpegProcess: process, components: components)
                return (header, c.offset + 3 * components)
            }
        }
    }

    // MARK: - helpers

    /// A name for the first bytes of a file that is not PNG or JPEG.
    static func sniff(_ b: [UInt8]) -> String {
        func ascii(_ r: Range<Int>) -> String { b.count >= r.upperBound ? String(decoding: b[r], as: UTF8.self) : "" }
        if ascii(0..<6) == "GIF87a" || ascii(0..<6) == "GIF89a" { return "GIF" }
        if ascii(0..<4) == "RIFF" && ascii(8..<12) == "WEBP" { return "WebP" }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if ascii(4..<8) == "ftyp" {
            let brand = ascii(8..<12)
            return brand.hasPrefix("avi") ? "AVIF" : ["heic", "heix", "mif1", "msf1", "heim", "heis", "hevc"].contains(brand) ? "HEIF" : "ISO media (\(brand))"
        }
        if ascii(0..<2) == "BM" { return "BMP" }
        if b.starts(with: [0x00, 0x00, 0x01, 0x00]) { return "ICO" }
        if b.starts(with: [0xFF, 0x0A]) || b.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return "JPEG XL" }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "a damaged PNG signature" }
        if b.starts(with: [0xFF, 0xD8]) { return "a JPEG start marker without a segment" }
        let text = String(decoding: b.prefix(64), as: UTF8.self).lowercased()
        if text.contains("<svg") || text.hasPrefix("<?xml") { return "SVG/XML" }
        if text.hasPrefix("<!doctype html") || text.hasPrefix("<html") { return "HTML" }
        return "unknown content starting " + b.prefix(4).map(hex).joined(separator: " ")
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i -= 1
        }
        return false
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// A header read and whether the image looks whole.
public struct ImageInspection: Sendable, Equatable {
    public var header: ImageHeader
    /// The file's (or array's) size.
    public var byteCount: Int
    /// Whether the end marker (PNG `IEND`, JPEG `EOI`) is within the last 4 KB: false for a file cut short
    /// (an interrupted download or copy).
    public var isComplete: Bool
}

/// Random access to an image's bytes.
protocol ImageByteSource {
    var size: Int { get }
    /// Up to `count` bytes at `offset`; fewer only at the end.
    func read(at offset: Int, count: Int) throws(ImageHeaderError) -> [UInt8]
}

struct MemorySource: ImageByteSource {
    let bytes: [UInt8]
    var size: Int { bytes.count }
    func read(at offset: Int, count: Int) -> [UInt8] {
        guard offset < bytes.count else { return [] }
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }
}

/// A regular file read with `pread`; closed when the last copy goes.
final class FileSource: ImageByteSource {
    let fd: Int32
    let size: Int
    let path: String

    init(path: String) throws(ImageHeaderError) {
        self.path = path
        // O_NONBLOCK: a FIFO named like an image must not hang the run.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ImageHeaderError(.unreadable, "cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw ImageHeaderError(.unreadable, "not a regular file")
        }
        self.fd = fd
        self.size = Int(info.st_size)
    }

    deinit { close(fd) }

    func read(at offset: Int, count: Int) throws(ImageHeaderError) -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        guard wanted > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, wanted - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageHeaderError(.unreadable, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            done += n
        }
        return done == wanted ? out : Array(out[0..<done])
    }
}

/// A read position over an ``ImageByteSource`` with a small buffer, so byte-by-byte marker scanning does not
/// cost a system call per byte, and skipping a segment costs nothing.
struct Cursor<Source: ImageByteSource> {
    let source: Source
    var offset: Int
    private var buffer: [UInt8] = []
    private var bufferStart = 0

    init(source: Source, offset: Int) {
        self.source = source
        self.offset = offset
    }

    mutating func byte() throws(ImageHeaderError) -> UInt8 {
        if offset < bufferStart || offset >= bufferStart + buffer.count {
            guard offset < source.size else { throw ImageHeaderError(.truncated, "the JPEG ends (at byte \(source.size)) before its frame header") }
            buffer = try source.read(at: offset, count: 4096)
            bufferStart = offset
            guard !buffer.isEmpty else { throw ImageHeaderError(.truncated, "the JPEG ends (at byte \(offset)) before its frame header") }
        }
        defer { offset += 1 }
        return buffer[offset - bufferStart]
    }

    mutating func uint16() throws(ImageHeaderError) -> Int {
        let hi = try byte()
        return Int(hi) << 8 | Int(try byte())
    }

    mutating func skip(_ n: Int) { offset += n }
}
