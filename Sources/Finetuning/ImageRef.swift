import Foundation

/// What an `image-ref` names: an S3 object, or (for checking before upload) a local file.
enum ImageRef: Equatable {
    case s3(bucket: String, key: String)
    case malformedS3
    case unsupportedScheme(String)
    /// An absolute path (relative refs resolved against the base directory; `file://` URLs accepted).
    case local(String)

    init(_ ref: String, baseDirectory: String) {
        if ref.lowercased().hasPrefix("s3://") {
            self = S3ObjectClient.parse("s3://" + ref.dropFirst(5)).map { .s3(bucket: $0.bucket, key: $0.key) } ?? .malformedS3
        } else if ref.lowercased().hasPrefix("file://") {
            self = .local(URL(string: ref)?.path ?? String(ref.dropFirst(7)))
        } else if let scheme = ref.range(of: "://").map({ String(ref[..<$0.lowerBound]) }), !scheme.isEmpty, !scheme.contains("/") {
            self = .unsupportedScheme(scheme)
        } else if ref.hasPrefix("/") {
            self = .local(ref)
        } else {
            self = .local(URL(fileURLWithPath: baseDirectory).appendingPathComponent(ref).standardizedFileURL.path)
        }
    }

    /// The format a ref's extension names: `.png`, `.jpg`/`.jpeg`/`.jpe`; nil for anything else.
    static func declaredFormat(_ ref: String) -> ImageHeader.Format? {
        let name = ref.split(separator: "/").last.map(String.init) ?? ref
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg", "jpe": return .jpeg
        default: return nil
        }
    }

    /// A warning when the name does not say what the content is.
    static func extensionMismatch(_ ref: String, content: ImageHeader.Format) -> String? {
        let name = content == .png ? "PNG" : "JPEG"
        guard let declared = declaredFormat(ref) else { return "the name has no .png/.jpg/.jpeg extension; the content is \(name)" }
        return declared == content ? nil : "the name says \(declared == .png ? "PNG" : "JPEG"), the content is \(name)"
    }
}
