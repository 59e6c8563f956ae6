import CLibPQ
import Foundation

/// The options of a libpq connection string or `postgresql://` URL, as libpq itself parses them.
///
/// Only used to explain a failed connection: which TLS mode and root certificate were asked for, and which
/// secret must not appear in the message.
struct ConnectionInfo: Sendable {
    /// The options the string sets (libpq's keywords: `sslmode`, `sslrootcert`, `password`, ...); empty when
    /// libpq cannot parse it.
    let options: [String: String]
    /// Whether libpq could parse the string.
    let isValid: Bool
    /// The password as written in the string and as libpq decodes it, for redaction; found by a lenient
    /// scan when libpq cannot parse the string, since that is exactly when libpq's message quotes it.
    let secrets: [String]

    init(_ conninfo: String) {
        var parsed: [String: String] = [:]
        var errmsg: UnsafeMutablePointer<CChar>?
        let list = PQconninfoParse(conninfo, &errmsg)
        if let errmsg { PQfreemem(errmsg) }
        if let list {
            var p = list
            while let keyword = p.pointee.keyword {
                if let value = p.pointee.val { parsed[String(cString: keyword)] = String(cString: value) }
                p += 1
            }
            PQconninfoFree(list)
        }
        options = parsed
        isValid = list != nil
        var found = Self.writtenPasswords(in: conninfo)
        if let password = parsed["password"] { found.append(password) }
        found += found.compactMap { $0.removingPercentEncoding }
        secrets = Array(Set(found.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// `text` with every occurrence of this string's password replaced.
    func redacting(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") }
    }

    /// The password written in a URL's user info (`scheme://user:PASSWORD@host`, up to the last `@` before the
    /// path) or in `password=` of a keyword string, without decoding or validating anything.
    static func writtenPasswords(in conninfo: String) -> [String] {
        var out: [String] = []
        if let scheme = conninfo.range(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out.append(String(authority[authority.index(after: colon)..<at]))
            }
            // A password may also come as a query parameter.
            if let query = rest.firstIndex(of: "?") {
                for pair in rest[rest.index(after: query)...].split(separator: "&") where pair.hasPrefix("password=") {
                    out.append(String(pair.dropFirst("password=".count)))
                }
            }
            return out
        }
        // keyword=value pairs; a value is a run of non-blanks or a single-quoted string.
        var rest = Substring(conninfo)
        while let r = rest.range(of: "password") {
            var after = rest[r.upperBound...].drop { $0 == " " }
            rest = after
            guard after.first == "=" else { continue }
            after = after.dropFirst().drop { $0 == " " }
            if after.first == "'" {
                out.append(String(after.dropFirst().prefix { $0 != "'" }))
            } else {
                out.append(String(after.prefix { !$0.isWhitespace }))
            }
        }
        return out
    }
}
