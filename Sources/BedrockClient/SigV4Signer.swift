import Foundation

/// Signs HTTP requests with AWS Signature Version 4 (header or presigned-query form).
///
/// Pure and deterministic: the date is an argument, nothing is read from the environment, and every
/// intermediate step is returned in ``SigV4Signature`` so that tests can compare them byte for byte with
/// the official test suite.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Remove `.`/`..`/empty path segments before encoding. Default: `true` (`false` for S3).
    public var normalizePath: Bool
    /// Add `X-Amz-Security-Token` after signing instead of signing it (a few services, e.g. IoT, require this).
    /// Default: `false`.
    public var omitSessionTokenFromSignature: Bool

    public init(credentials: AWSCredentials, region: String, service: String,
                normalizePath: Bool? = nil, omitSessionTokenFromSignature: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath ?? (service != "s3")
        self.omitSessionTokenFromSignature = omitSessionTokenFromSignature
    }

    /// Signs a request for the `Authorization` header.
    ///
    /// - Parameters:
    ///   - method: HTTP method, e.g. `POST`.
    ///   - path: the path as sent on the wire (percent-encoded once).
    ///   - query: the raw query string as sent (without `?`), or `nil`.
    ///   - headers: the headers to sign; must include `host`. `X-Amz-Date`, the session token and
    ///     (with `signBody`) `x-amz-content-sha256` are added by the signer.
    ///   - body: the payload.
    ///   - date: the signing time.
    ///   - signBody: also send and sign `x-amz-content-sha256`.
    /// - Returns: the headers to add to the request and every intermediate step.
    public func sign(method: String, path: String, query: String? = nil,
                     headers: [(name: String, value: String)], body: [UInt8] = [],
                     date: Date, signBody: Bool = false) -> SigV4Signature {
        sign(method: method, path: path, query: query, headers: headers,
             payloadHash: SigV4Canonical.hexSHA256(body), date: date, signBody: signBody)
    }

    /// As ``sign(method:path:query:headers:body:date:signBody:)`` with a precomputed payload hash
    /// (or `UNSIGNED-PAYLOAD`).
    public func sign(method: String, path: String, query: String? = nil,
                     headers: [(name: String, value: String)], payloadHash: String,
                     date: Date, signBody: Bool = false) -> SigV4Signature {
        let (amzDate, dateStamp) = SigV4Date.format(date)
        var added: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        if signBody { added.append(("x-amz-content-sha256", payloadHash)) }
        var unsignedAdded: [(name: String, value: String)] = []
        if let token = credentials.sessionToken {
            if omitSessionTokenFromSignature { unsignedAdded.append(("X-Amz-Security-Token", token)) }
            else { added.append(("X-Amz-Security-Token", token)) }
        }
        let (canonicalHeaders, signedHeaders) = SigV4Canonical.canonicalHeaders(headers + added)
        let canonicalRequest = SigV4Canonical.canonicalRequest(
            method: method, canonicalURI: SigV4Canonical.canonicalURI(path: path, service: service, normalize: normalizePath),
            canonicalQuery: SigV4Canonical.canonicalQuery(SigV4Canonical.queryItems(query)),
            canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        let stringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let key = SigV4Canonical.signingKey(secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp,
                                            region: region, service: service)
        let signature = SigV4Canonical.hexHMAC(key: key, stringToSign)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return SigV4Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                              authorization: authorization,
                              headersToAdd: added + unsignedAdded + [("Authorization", authorization)])
    }

    /// Presigns a request: the signature travels in the query string (`X-Amz-Signature`).
    ///
    /// - Parameters:
    ///   - expires: seconds the URL stays valid (`X-Amz-Expires`).
    ///   - payloadHash: default the hash of an empty body; `UNSIGNED-PAYLOAD` for S3 uploads.
    /// - Returns: the steps and ``SigV4PresignedRequest/query``, the full query string to send.
    public func presign(method: String, path: String, query: String? = nil,
                        headers: [(name: String, value: String)], date: Date, expires: Int,
                        payloadHash: String = SigV4Canonical.hexSHA256([])) -> SigV4PresignedRequest {
        let (amzDate, dateStamp) = SigV4Date.format(date)
        let scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        let (canonicalHeaders, signedHeaders) = SigV4Canonical.canonicalHeaders(headers)
        var authItems: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-SignedHeaders", signedHeaders),
            ("X-Amz-Expires", String(expires)),
        ]
        var tokenAfter: (name: String, value: String)?
        if let token = credentials.sessionToken {
            if omitSessionTokenFromSignature { tokenAfter = ("X-Amz-Security-Token", token) }
            else { authItems.append(("X-Amz-Security-Token", token)) }
        }
        let original = SigV4Canonical.queryItems(query)
        let canonicalRequest = SigV4Canonical.canonicalRequest(
            method: method, canonicalURI: SigV4Canonical.canonicalURI(path: path, service: service, normalize: normalizePath),
            canonicalQuery: SigV4Canonical.canonicalQuery(original + authItems),
            canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let stringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let key = SigV4Canonical.signingKey(secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp,
                                            region: region, service: service)
        let signature = SigV4Canonical.hexHMAC(key: key, stringToSign)
        var finalItems = original + authItems
        if let tokenAfter { finalItems.append(tokenAfter) }
        finalItems.append(("X-Amz-Signature", signature))
        let queryString = finalItems.map { SigV4Canonical.uriEncode($0.name) + "=" + SigV4Canonical.uriEncode($0.value) }
            .joined(separator: "&")
        return SigV4PresignedRequest(canonicalRequest: canonicalRequest, stringToSign: stringToSign,
                                     signature: signature, query: queryString)
    }
}

/// The result of header signing: every intermediate step and the headers to add.
public struct SigV4Signature: Sendable {
    public let canonicalRequest: String
    public let stringToSign: String
    /// Lower-case hex signature.
    public let signature: String
    /// The `Authorization` header value.
    public let authorization: String
    /// `X-Amz-Date`, optional `x-amz-content-sha256`, optional `X-Amz-Security-Token`, and `Authorization`.
    public let headersToAdd: [(name: String, value: String)]
}

/// The result of query (presigned URL) signing.
public struct SigV4PresignedRequest: Sendable {
    public let canonicalRequest: String
    public let stringToSign: String
    public let signature: String
    /// The query string to send (original parameters plus the `X-Amz-*` ones), without `?`.
    public let query: String
}
