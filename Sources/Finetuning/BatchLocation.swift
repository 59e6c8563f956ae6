import Foundation

/// Where batch inference input or output lives: an S3 object or prefix (`s3://bucket/key`), or a local file or
/// directory (`file://` URI or path: for a local control plane such as the tests' loopback fake; Bedrock reads
/// `s3://` only).
public enum BatchLocation: Sendable, Equatable, CustomStringConvertible {
    case s3(bucket: String, key: String)
    case local(path: String)

    /// Parses `s3://bucket[/key]`, `file:///path` or a path.
    ///
    /// - Throws: ``FinetuneError`` `usage` for another scheme or an `s3://` URI without a bucket.
    public init(_ text: String) throws(FinetuneError) {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = rest.prefix { $0 != "/" }
            guard !bucket.isEmpty else { throw FinetuneError(.usage, "'\(text)' names no bucket") }
            self = .s3(bucket: String(bucket), key: String(rest.dropFirst(bucket.count).drop { $0 == "/" }))
        } else if text.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else { throw FinetuneError(.usage, "'\(text)' is not a file:// URI") }
            self = .local(path: url.path)
        } else {
            guard !text.contains("://") else { throw FinetuneError(.usage, "'\(text)' must be an s3:// URI, a file:// URI or a local path") }
            self = .local(path: URL(fileURLWithPath: text).standardizedFileURL.path)
        }
    }

    /// The URI the control plane is given: `s3://bucket/key` or `file:///path`.
    public var uri: String {
        switch self {
        case .s3(let bucket, let key): "s3://\(bucket)/\(key)"
        case .local(let path): URL(fileURLWithPath: path).absoluteString
        }
    }

    public var description: String { uri }

    /// The last path component (an input file's name; Bedrock names its output `<name>.out`).
    public var fileName: String {
        switch self {
        case .s3(_, let key): String(key.split(separator: "/").last ?? "")
        case .local(let path): URL(fileURLWithPath: path).lastPathComponent
        }
    }

    /// This location with `name` appended as a path component.
    public func appending(_ name: String) -> BatchLocation {
        switch self {
        case .s3(let bucket, let key): .s3(bucket: bucket, key: key.isEmpty ? name : (key.hasSuffix("/") ? key + name : key + "/" + name))
        case .local(let path): .local(path: URL(fileURLWithPath: path).appendingPathComponent(name).path)
        }
    }

    /// The object's or file's bytes.
    ///
    /// - Throws: ``FinetuneError`` `s3` or `io`.
    func read(s3: S3ObjectClient?) async throws(FinetuneError) -> [UInt8] {
        switch self {
        case .s3(let bucket, let key):
            guard let s3 else { throw FinetuneError(.usage, "reading \(uri) needs S3 access") }
            return try await s3.get(bucket: bucket, key: key)
        case .local(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw FinetuneError(.io, "cannot read \(path)") }
            return Array(data)
        }
    }

    /// Every object or file under this prefix or directory (recursively), as locations.
    ///
    /// - Throws: ``FinetuneError`` `s3` or `io`.
    func list(s3: S3ObjectClient?) async throws(FinetuneError) -> [BatchLocation] {
        switch self {
        case .s3(let bucket, let key):
            guard let s3 else { throw FinetuneError(.usage, "listing \(uri) needs S3 access") }
            let prefix = key.isEmpty || key.hasSuffix("/") ? key : key + "/"
            return try await s3.list(bucket: bucket, prefix: prefix).map { .s3(bucket: bucket, key: $0) }
        case .local(let path):
            guard let walker = FileManager.default.enumerator(atPath: path) else { throw FinetuneError(.io, "cannot list \(path)") }
            var out: [BatchLocation] = []
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let full = URL(fileURLWithPath: path).appendingPathComponent(relative).path
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(.local(path: full)) }
            }
            return out.sorted { $0.uri < $1.uri }
        }
    }
}
