/// The canonicalization rules of Signature Version 4, shared by ``SigV4Signer`` and ``SigV4Verifier``
/// so that both sides build the canonical request from the same code.
public enum SigV4Canonical {
    private static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
            || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// RFC 3986 percent-encoding of every byte except the unreserved set (`A-Z a-z 0-9 - . _ ~`),
    /// and `/` when `keepSlash`; this is the AWS `UriEncode` function.
    public static func uriEncode<S: StringProtocol>(_ s: S, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        for c in s.utf8 {
            if isUnreserved(c) || (keepSlash && c == 0x2F) {
                out.append(c)
            } else {
                out.append(0x25)
                out.append(upperHex[Int(c >> 4)])
                out.append(upperHex[Int(c & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; malformed escapes are kept literally.
    public static func percentDecode<S: StringProtocol>(_ s: S) -> String {
        let u = Array(s.utf8)
        guard u.contains(0x25) else { return String(s) }
        var out = [UInt8]()
        out.reserveCapacity(u.count)
        var i = 0
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count, let hi = hexValue(u[i + 1]), let lo = hexValue(u[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Removes `.`/`..` segments and empty segments (RFC 3986 section 5.2.4 plus slash collapsing),
    /// keeping a trailing slash, as the AWS SDKs do for every service but S3.
    public static func normalizePath(_ path: String) -> String {
        var segments: [Substring] = []
        for seg in path.split(separator: "/", omittingEmptySubsequences: true) {
            if seg == "." { continue }
            if seg == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(seg)
        }
        var out = "/" + segments.joined(separator: "/")
        if out != "/", path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..") { out += "/" }
        return out
    }

    /// The canonical URI of a request.
    ///
    /// `path` is the path exactly as it travels on the wire (already percent-encoded once, e.g.
    /// `/model/arn%3Aaws%3Abedrock.../invoke`). For every service but S3 it is normalized and then
    /// encoded again, which is why a Bedrock model ARN appears as `%253A` in the canonical request.
    /// For S3 the wire path is used as sent, with only characters illegal in a URI escaped.
    public static func canonicalURI(path: String, service: String, normalize: Bool? = nil) -> String {
        let path = path.isEmpty ? "/" : path
        if service == "s3" {
            var out = ""
            for ch in path.unicodeScalars {
                if ch == "%" || ch == "/" { out.unicodeScalars.append(ch) } else { out += uriEncode(String(ch)) }
            }
            return out
        }
        let normalized = (normalize ?? true) ? normalizePath(path) : path
        return uriEncode(normalized, keepSlash: true)
    }

    /// Splits a raw query string into decoded `(name, value)` pairs; a part without `=` has an empty value.
    public static func queryItems(_ rawQuery: String?) -> [(name: String, value: String)] {
        guard let rawQuery, !rawQuery.isEmpty else { return [] }
        return rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { part in
            if let eq = part.firstIndex(of: "=") {
                return (percentDecode(part[..<eq]), percentDecode(part[part.index(after: eq)...]))
            }
            return (percentDecode(part), "")
        }
    }

    /// The canonical query string: every name and value `UriEncode`d, sorted by name then value (byte order).
    public static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        let encoded = items.map { (uriEncode($0.name), uriEncode($0.value)) }
        let sorted = encoded.sorted { a, b in
            if a.0 != b.0 { return Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8)) }
            return Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        return sorted.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
    }

    /// Trims a header value and collapses each run of spaces/tabs/line breaks into one space.
    public static func canonicalHeaderValue<S: StringProtocol>(_ value: S) -> String {
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for c in value.utf8 {
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical request: the six parts, one a line.
    public static func canonicalRequest(method: String, canonicalURI: String, canonicalQuery: String,
                                        canonicalHeaders: String, signedHeaders: String, payloadHash: String) -> String {
        [method.uppercased(), canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
    }

    /// The string to sign: algorithm, request date, credential scope and the canonical request's hash.
    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        SigV4Signer.algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(Array(canonicalRequest.utf8))
    }

    /// Canonical headers block (each `name:value\n`, names lower-cased and sorted, repeated headers
    /// joined with `,` in arrival order) and the `SignedHeaders` list.
    public static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (canonical: String, signedHeaders: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            if values[key] == nil { order.append(key); values[key] = [] }
            values[key]!.append(canonicalHeaderValue(value))
        }
        let names = order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var canonical = ""
        for n in names { canonical += n + ":" + values[n]!.joined(separator: ",") + "\n" }
        return (canonical, names.joined(separator: ";"))
    }

    /// `AWS4<secret>` → date → region → service → `aws4_request`.
    public static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        let kDate = SigV4Crypto.hmacSHA256(key: Array(("AWS4" + secretAccessKey).utf8), dateStamp)
        let kRegion = SigV4Crypto.hmacSHA256(key: kDate, region)
        let kService = SigV4Crypto.hmacSHA256(key: kRegion, service)
        return SigV4Crypto.hmacSHA256(key: kService, "aws4_request")
    }

    /// Lower-case hex SHA-256 of `bytes` (the payload hash).
    public static func hexSHA256(_ bytes: [UInt8]) -> String { SigV4Crypto.hex(SigV4Crypto.sha256(bytes)) }

    /// The raw SHA-256 digest (32 bytes); also used for content hashes outside signing.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { SigV4Crypto.sha256(bytes) }

    /// Lower-case hex HMAC-SHA256.
    public static func hexHMAC(key: [UInt8], _ string: String) -> String { SigV4Crypto.hex(SigV4Crypto.hmacSHA256(key: key, string)) }
}
