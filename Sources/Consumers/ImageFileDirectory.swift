#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The one directory `file://` image URLs may read from (`REC_IMAGE_FILE_DIR`); without one they are refused.
///
/// A path is resolved (symlinks and `..`) before it is checked, and the answer for a path outside the directory
/// is the answer for a missing file, so an event cannot read the rest of the file system nor learn what exists
/// in it.
public struct ImageFileDirectory: Sendable {
    /// The directory, absolute with symlinks resolved.
    public let path: String

    /// - Throws: ``ImageFetchError`` when `path` is not an existing directory.
    public init(_ path: String) throws(ImageFetchError) {
        guard let resolved = Self.realPath(path) else { throw ImageFetchError("image directory \(path) does not exist", isRetriable: false) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageFetchError("image directory \(path) is not a directory", isRetriable: false)
        }
        self.path = resolved
    }

    /// The resolved path of `path` when it names something inside the directory; nil otherwise, whether or not
    /// it exists.
    public func resolve(_ path: String) -> String? {
        guard !path.isEmpty, !path.contains("\0"), let resolved = Self.realPath(path) else { return nil }
        let prefix = self.path == "/" ? "/" : self.path + "/"
        return resolved.hasPrefix(prefix) && resolved.count > prefix.count ? resolved : nil
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
