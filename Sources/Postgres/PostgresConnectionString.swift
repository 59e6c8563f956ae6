import CLibPQ
import Foundation
import RecCore

/// A libpq connection string (URI or `key=value` form), parsed by libpq itself without connecting.
public struct PostgresConnectionString: Sendable {
    /// Every option libpq recognised with a value (`host`, `port`, `dbname`, `user`, `password`, `sslmode`, ...).
    public let options: [String: String]

    /// - Throws: ``PostgresError`` (`.invalidConfiguration`) with libpq's reason; never the string itself, which
    ///   may hold a password.
    public init(_ text: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text, &errmsg) else {
            // libpq quotes the part it could not parse, which may be the password (`invalid percent-encoded token`).
            let reason = Self.hidingPasswords(of: text, in: errmsg.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unparsable")
            if let errmsg { PQfreemem(errmsg) }
            throw PostgresError(.invalidConfiguration, "invalid database URL: \(reason)")
        }
        defer { PQconninfoFree(parsed) }
        var options = [String: String]()
        var p = parsed
        while let keyword = p.pointee.keyword {
            if let value = p.pointee.val { options[String(cString: keyword)] = String(cString: value) }
            p = p.advanced(by: 1)
        }
        self.options = options
    }

    /// Whether the connection verifies the server's certificate and name (`sslmode=verify-full`).
    public var verifiesServer: Bool { options["sslmode"] == "verify-full" }

    /// Whether every host is a Unix socket directory or a loopback address.
    public var isLocal: Bool {
        let hosts = (options["host"] ?? options["hostaddr"] ?? "").split(separator: ",").map(String.init)
        return hosts.allSatisfy { $0.isEmpty || $0.hasPrefix("/") || LoopbackHost.isLoopback($0) }
    }

    /// The password as written in `text` (a URI's user info up to the last `@` before the path, a `password`
    /// query parameter, or `password=` of a key=value string), plus its percent-decoded form, found without
    /// libpq: libpq cannot parse exactly the strings whose error message quotes the password
    /// (`invalid percent-encoded token: "…"`).
    public static func passwords(in text: String) -> [String] {
        var out: [String] = []
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            if let range = uriPasswordRange(in: text) { out.append(String(text[range])) }
            if let query = rest.firstIndex(of: "?") {
                for pair in rest[rest.index(after: query)...].split(separator: "&") where pair.hasPrefix("password=") {
                    out.append(String(pair.dropFirst("password=".count)))
                }
            }
        } else {
            // key=value pairs; a value is a run of non-blanks or a single-quoted string.
            var rest = Substring(text)
            while let r = rest.range(of: "password") {
                var after = rest[r.upperBound...].drop { $0 == " " }
                rest = after
                guard after.first == "=" else { continue }
                after = after.dropFirst().drop { $0 == " " }
                out.append(String(after.first == "'" ? after.dropFirst().prefix { $0 != "'" } : after.prefix { !$0.isWhitespace }))
            }
        }
        out += out.compactMap { $0.removingPercentEncoding }
        return Array(Set(out.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// `message` with every form of `conninfo`'s password replaced by `***` (libpq's error messages may quote it).
    public static func hidingPasswords(of conninfo: String, in message: String) -> String {
        passwords(in: conninfo).reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// The range of a URI's password: its user info after the first `:`, up to the last `@` before the path or
    /// query (a password may itself hold an unencoded `@`).
    private static func uriPasswordRange(in text: String) -> Range<String.Index>? {
        guard let scheme = text.range(of: "://") else { return nil }
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        return authority.index(after: colon)..<at
    }

    /// `text` with its password (in the URI's user info or a `password` parameter) replaced by `***`.
    public static func redacted(_ text: String) -> String {
        var out = text
        // postgresql://user:secret@host → postgresql://user:***@host
        if let range = uriPasswordRange(in: out) { out.replaceSubrange(range, with: "***") }
        // ?password=secret&… and password=secret in key=value strings
        if let regex = try? NSRegularExpression(pattern: "(password\\s*=\\s*)('[^']*'|[^&\\s]*)", options: [.caseInsensitive]) {
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "$1***")
        }
        return out
    }
}
