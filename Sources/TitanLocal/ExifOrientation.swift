/// The EXIF orientation of a JPEG (TIFF tag 0x0112): how the stored pixels must be turned to show the
/// picture upright. Cameras and phones store the sensor's rows as they come and record the turn here.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    /// Stored upright.
    case up = 1
    /// Mirrored left to right.
    case upMirrored = 2
    /// Turned 180°.
    case down = 3
    /// Mirrored top to bottom.
    case downMirrored = 4
    /// Transposed: stored rows are the picture's columns, top to bottom.
    case leftMirrored = 5
    /// Turn 90° clockwise to show upright (a phone held upright).
    case right = 6
    /// Transversed: stored rows are the picture's columns, bottom to top, mirrored.
    case rightMirrored = 7
    /// Turn 90° counter-clockwise to show upright.
    case left = 8

    /// Whether showing the picture upright swaps its width and height.
    public var swapsSides: Bool { rawValue >= 5 }

    /// The orientation in a JPEG's first APP1 `Exif` segment, `.up` when there is none or it is unreadable.
    ///
    /// Reads only the marker segments before the first scan, with every offset bounds-checked; both TIFF byte
    /// orders (`II`, `MM`) are understood. Malformed EXIF never makes a picture fail: it is ignored.
    public static func read(jpeg data: [UInt8]) -> ExifOrientation {
        guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8 else { return .up }
        var i = 2
        while i + 4 <= data.count {
            guard data[i] == 0xFF else { return .up }
            let marker = data[i + 1]
            if marker == 0xFF { i += 1; continue } // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue } // no length
            if marker == 0xDA || marker == 0xD9 { return .up } // start of scan / end of image
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            guard length >= 2, i + 2 + length <= data.count else { return .up }
            let payload = (i + 4)..<(i + 2 + length)
            if marker == 0xE1, payload.count >= 6, data[payload.lowerBound..<(payload.lowerBound + 6)].elementsEqual(Array("Exif\0\0".utf8)) {
                return tiffOrientation(data, from: payload.lowerBound + 6, to: payload.upperBound) ?? .up
            }
            i += 2 + length
        }
        return .up
    }

    /// The orientation tag of IFD0 in the TIFF structure at `data[start..<end]`.
    static func tiffOrientation(_ data: [UInt8], from start: Int, to end: Int) -> ExifOrientation? {
        guard end - start >= 8 else { return nil }
        let littleEndian: Bool
        switch (data[start], data[start + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ offset: Int) -> Int? {
            let p = start + offset
            guard offset >= 0, p + 2 <= end else { return nil }
            return littleEndian ? Int(data[p]) | Int(data[p + 1]) << 8 : Int(data[p]) << 8 | Int(data[p + 1])
        }
        func u32(_ offset: Int) -> Int? {
            guard let a = u16(offset), let b = u16(offset + 2) else { return nil }
            return littleEndian ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<min(count, 512) {
            let e = ifd + 2 + entry * 12
            guard let tag = u16(e) else { return nil }
            guard tag == 0x0112 else { continue }
            // SHORT (3), count 1: the value sits in the first two bytes of the value field.
            guard u16(e + 2) == 3, u32(e + 4) == 1, let value = u16(e + 8) else { return nil }
            return ExifOrientation(rawValue: value)
        }
        return nil
    }
}
