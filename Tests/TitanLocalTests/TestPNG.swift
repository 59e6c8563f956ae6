/// A small independent PNG writer for decoder tests: every colour type, 8 or 16 bits, Adam7 interlacing,
/// PLTE and tRNS, with stored (uncompressed) deflate blocks, so that the tests need no zlib.
enum TestPNG {
    enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    static func channels(_ type: ColorType) -> Int {
        switch type {
        case .gray, .palette: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    /// PNG bytes; `sample(x, y)` returns the pixel's channel values (palette index for `.palette`).
    static func encode(width: Int, height: Int, colorType: ColorType, bitDepth: Int = 8, interlaced: Bool = false,
                       palette: [(UInt8, UInt8, UInt8)] = [], transparency: [UInt8]? = nil, gamma: UInt32? = nil,
                       sample: (Int, Int) -> [Int]) -> [UInt8] {
        var ihdr: [UInt8] = []
        ihdr += be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        var raw: [UInt8] = []
        func appendRows(xs: [Int], ys: [Int]) {
            guard !xs.isEmpty, !ys.isEmpty else { return }
            for y in ys {
                raw.append(0) // filter: none
                for x in xs {
                    let values = sample(x, y)
                    precondition(values.count == channels(colorType))
                    for v in values {
                        if bitDepth == 16 { raw += [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] } else { raw.append(UInt8(v & 0xFF)) }
                    }
                }
            }
        }
        if interlaced {
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes {
                appendRows(xs: Array(stride(from: x0, to: width, by: dx)), ys: Array(stride(from: y0, to: height, by: dy)))
            }
        } else {
            appendRows(xs: Array(0..<width), ys: Array(0..<height))
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", ihdr)
        if let gamma { png += chunk("gAMA", be32(gamma)) }
        if !palette.isEmpty { png += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        if let transparency { png += chunk("tRNS", transparency) }
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65_535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + be32(b << 16 | a)
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
