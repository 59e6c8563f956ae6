import Foundation

/// Verifies SigV4 `Authorization` headers on the server side (used by `rec titan-local`).
///
/// It rebuilds the canonical request from what actually arrived (wire path, raw query, the headers named in
/// `SignedHeaders`, the body) with the same ``SigV4Canonical`` rules the signer uses, so any change in transit
/// breaks the signature.
public struct SigV4Verifier: Sendable {
    public let secretsByAccessKeyID: [String: String]
    public let region: String
    public let service: String
    public let maxClockSkew: TimeInterval

    /// - Parameters:
    ///   - secretsByAccessKeyID: the keys the server accepts.
    ///   - maxClockSkew: how far `X-Amz-Date` may be from `now`, either way. Default: 300 s (as AWS).
    public init(secretsByAccessKeyID: [String: String], region: String, service: String, maxClockSkew: TimeInterval = 300) {
        self.secretsByAccessKeyID = secretsByAccessKeyID
        self.region = region
        self.service = service
        self.maxClockSkew = maxClockSkew
    }

    /// The parsed `Authorization` header.
    public struct Authorization: Sendable, Equatable {
        public var accessKeyID: String
        public var dateStamp: String
        public var region: String
        public var service: String
        public var terminator: String
        public var signedHeaders: [String]
        public var signature: String
    }

    /// `s` without leading and trailing `CharacterSet.whitespaces` (tab and Unicode space
    /// separators), without Foundation's bridging through `NSString`, which made trimming
    /// the largest cost of verifying a request.
    static func trimmingWhitespace(_ s: Substring) -> Substring {
        func isWhitespace(_ c: Unicode.Scalar) -> Bool { c == "\t" || c.properties.generalCategory == .spaceSeparator }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isWhitespace($0) }) else { return s[s.endIndex...] }
        return Substring(scalars[first...last])
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=a;b, Signature=hex`.
    public static func parseAuthorization(_ value: String) throws(SigV4VerificationError) -> Authorization {
        let trimmed = Self.trimmingWhitespace(value[...])
        guard let space = trimmed.firstIndex(of: " ") else {
            throw SigV4VerificationError(.malformedAuthorization, "Authorization header is malformed")
        }
        guard trimmed[..<space] == SigV4Signer.algorithm else {
            throw SigV4VerificationError(.unsupportedAlgorithm, "only \(SigV4Signer.algorithm) is supported")
        }
        var fields: [String: String] = [:]
        for part in trimmed[trimmed.index(after: space)...].split(separator: ",") {
            let p = Self.trimmingWhitespace(part)
            guard let eq = p.firstIndex(of: "=") else { continue }
            fields[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw SigV4VerificationError(.malformedAuthorization, "Authorization header lacks Credential, SignedHeaders or Signature")
        }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty else {
            throw SigV4VerificationError(.malformedAuthorization, "Credential must be <key>/<date>/<region>/<service>/aws4_request")
        }
        let signedHeaders = signed.split(separator: ";").map { String($0) }
        guard !signedHeaders.isEmpty, signature.utf8.count == 64 else {
            throw SigV4VerificationError(.malformedAuthorization, "SignedHeaders or Signature is malformed")
        }
        return Authorization(accessKeyID: scope[0], dateStamp: scope[1], region: scope[2], service: scope[3],
                             terminator: scope[4], signedHeaders: signedHeaders, signature: signature.lowercased())
    }

    /// Verifies one request.
    ///
    /// - Parameters:
    ///   - rawPath: the path exactly as received (still percent-encoded).
    ///   - rawQuery: the query as received, without `?`.
    ///   - headers: all received headers (names in any case; repeated names allowed).
    ///   - now: the server's clock.
    /// - Returns: the access key id that signed the request.
    /// - Throws: ``SigV4VerificationError``; its ``SigV4VerificationError/bedrockErrorType`` is the answer to send.
    @discardableResult
    public func verify(method: String, rawPath: String, rawQuery: String?, headers: [(name: String, value: String)],
                       body: [UInt8], now: Date) throws(SigV4VerificationError) -> String {
        func values(_ name: String) -> [String] {
            // Header names are ASCII tokens; every name asked for here is lower-case.
            headers.filter { $0.name.utf8.count == name.utf8.count && $0.name.lowercased() == name }.map(\.value)
        }
        guard let authValue = values("authorization").first else {
            throw SigV4VerificationError(.missingAuthorization, "Missing Authentication Token")
        }
        let auth = try Self.parseAuthorization(authValue)
        guard let secret = secretsByAccessKeyID[auth.accessKeyID] else {
            throw SigV4VerificationError(.unknownAccessKey, "The security token included in the request is invalid.")
        }
        guard auth.region == region, auth.service == service, auth.terminator == "aws4_request" else {
            throw SigV4VerificationError(.credentialScopeMismatch,
                                         "Credential should be scoped to region '\(region)' and service '\(service)'")
        }
        let amzDateValue = values("x-amz-date").first ?? values("date").first
        guard let amzDateValue else {
            throw SigV4VerificationError(.missingDate, "Request must contain an X-Amz-Date header")
        }
        let amzDate = String(Self.trimmingWhitespace(amzDateValue[...]))
        guard let signedAt = SigV4Date.parse(amzDate) else {
            throw SigV4VerificationError(.invalidDate, "X-Amz-Date must be in ISO 8601 basic format")
        }
        guard abs(signedAt.timeIntervalSince(now)) <= maxClockSkew else {
            throw SigV4VerificationError(.requestExpired,
                                         "Signature expired: \(amzDate) is outside the allowed clock skew of \(Int(maxClockSkew)) s")
        }
        guard amzDate.hasPrefix(auth.dateStamp) else {
            throw SigV4VerificationError(.credentialScopeMismatch, "Credential date does not match X-Amz-Date")
        }
        let lowerSigned = auth.signedHeaders.map { $0.lowercased() }
        guard lowerSigned.contains("host") else {
            throw SigV4VerificationError(.missingSignedHeader, "'Host' must be a signed header")
        }
        var signedHeaderPairs: [(name: String, value: String)] = []
        for name in lowerSigned {
            let v = values(name)
            guard !v.isEmpty else {
                throw SigV4VerificationError(.missingSignedHeader, "Signed header '\(name)' is missing from the request")
            }
            signedHeaderPairs += v.map { (name, $0) }
        }
        let bodyHash = SigV4Canonical.hexSHA256(body)
        var payloadHash = bodyHash
        if let declared = values("x-amz-content-sha256").first.map({ String(Self.trimmingWhitespace($0[...])) }) {
            if declared != "UNSIGNED-PAYLOAD", declared != bodyHash {
                throw SigV4VerificationError(.payloadHashMismatch, "x-amz-content-sha256 does not match the body")
            }
            payloadHash = declared
        }
        let (canonicalHeaders, signedHeaders) = SigV4Canonical.canonicalHeaders(signedHeaderPairs)
        let canonicalRequest = SigV4Canonical.canonicalRequest(
            method: method, canonicalURI: SigV4Canonical.canonicalURI(path: rawPath, service: service),
            canonicalQuery: SigV4Canonical.canonicalQuery(SigV4Canonical.queryItems(rawQuery)),
            canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let scope = "\(auth.dateStamp)/\(auth.region)/\(auth.service)/aws4_request"
        let stringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let key = SigV4Canonical.signingKey(secretAccessKey: secret, dateStamp: auth.dateStamp, region: region, service: service)
        let expected = SigV4Crypto.hmacSHA256(key: key, stringToSign)
        guard SigV4Crypto.constantTimeEquals(Array(SigV4Crypto.hex(expected).utf8), Array(auth.signature.utf8)) else {
            throw SigV4VerificationError(.signatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
        }
        return auth.accessKeyID
    }
}
