/// What an image's header says, read without decoding the pixels (``ImageHeaderReader``).
public struct ImageHeader: Sendable, Equatable {
    public enum Format: String, Sendable, Codable {
        case png
        case jpeg

        /// The file extension an exported image gets.
        public var fileExtension: String { self == .png ? "png" : "jpg" }
        /// The `Content-Type` an uploaded image gets.
        public var mediaType: String { self == .png ? "image/png" : "image/jpeg" }
    }

    /// How a JPEG frame is coded (its SOFn marker). Only baseline, extended sequential and progressive Huffman
    /// coding are what nearly every decoder reads; the others are rare and often unsupported.
    public enum JPEGProcess: String, Sendable, Codable {
        case baseline
        case extendedSequential = "extended sequential"
        case progressive
        case lossless
        case hierarchical
        case arithmetic

        /// Whether common decoders (libjpeg builds without arithmetic coding, browsers, PIL) read it.
        public var isCommon: Bool { self == .baseline || self == .extendedSequential || self == .progressive }

        init?(sofMarker m: UInt8) {
            switch m {
            case 0xC0: self = .baseline
            case 0xC1: self = .extendedSequential
            case 0xC2: self = .progressive
            case 0xC3: self = .lossless
            case 0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF: self = .hierarchical
            case 0xC9, 0xCA, 0xCB: self = .arithmetic
            default: return nil
            }
        }
    }

    public var format: Format
    public var width: Int
    public var height: Int
    /// JPEG only.
    public var jpegProcess: JPEGProcess?
    /// Colour components (JPEG) or the PNG colour type's channel count.
    public var components: Int

    public init(format: Format, width: Int, height: Int, jpegProcess: JPEGProcess? = nil, components: Int) {
        self.format = format
        self.width = width
        self.height = height
        self.jpegProcess = jpegProcess
        self.components = components
    }
}
