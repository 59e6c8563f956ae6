import BedrockClient
import Consumers
import Foundation

/// SigV4-signed `HEAD`, `GET` and `PUT` of single S3 objects and `ListObjectsV2`: the dataset's images (`rec finetune
/// dataset export --image-refs s3://…`), the check that `s3://` refs exist (`validate`), and batch inference input
/// and output (`rec batch-embed`).
///
/// URLs are built like ``ImageFetcher``'s signed GETs: virtual-hosted
/// (`https://<bucket>.s3.<region>.amazonaws.com/<key>`), or path style under an endpoint override
/// (`AWS_ENDPOINT_URL_S3`: `<endpoint>/<bucket>/<key>`, for MinIO, LocalStack, or a VPC endpoint). The bucket is
/// the operator's, not input from events, so no address policy applies. Throttling (429/503 `SlowDown`), 5xx and
/// transport failures are retried with jittered backoff (``RetryPolicy``).
public struct S3ObjectClient: Sendable {
    /// What a `HEAD` says about an object.
    public struct ObjectInfo: Sendable, Equatable {
        public var contentLength: Int?
        public var contentType: String?
    }

    public let transport: any HTTPTransport
    public let access: ImageFetcher.S3
    public let retryPolicy: RetryPolicy
    /// Per-attempt timeout, seconds. Default: 60 (an upload of up to 5 MB).
    public let timeout: Double

    public init(transport: any HTTPTransport, access: ImageFetcher.S3, retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.2, maxBackoff: 5),
                timeout: Double = 60) {
        self.transport = transport
        self.access = access
        self.retryPolicy = retryPolicy
        self.timeout = timeout
    }

    /// `s3://bucket/key` split; nil when either part is missing.
    public static func parse(_ uri: String) -> (bucket: String, key: String)? {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let bucket = String(rest[..<slash]), key = String(rest[rest.index(after: slash)...])
        guard !bucket.isEmpty, !key.isEmpty else { return nil }
        return (bucket, key)
    }

    /// The object's size and type, or nil when S3 answers 404.
    ///
    /// - Throws: ``FinetuneError`` `s3` with the status (403: no permission, or a missing key without
    ///   `s3:ListBucket`); `isRetriable` after the retries ran out on a transient failure.
    public func head(bucket: String, key: String) async throws(FinetuneError) -> ObjectInfo? {
        let response = try await send("HEAD", bucket: bucket, key: key, query: nil, body: [], contentType: nil)
        switch response.status {
        case 200:
            return ObjectInfo(contentLength: response.header("Content-Length").flatMap { Int($0) }, contentType: response.header("Content-Type"))
        case 404:
            return nil
        default:
            throw Self.failure("HEAD", bucket: bucket, key: key, response)
        }
    }

    /// Stores `body` at `key`.
    ///
    /// - Throws: ``FinetuneError`` `s3`.
    public func put(bucket: String, key: String, body: [UInt8], contentType: String) async throws(FinetuneError) {
        let response = try await send("PUT", bucket: bucket, key: key, query: nil, body: body, contentType: contentType)
        guard response.status == 200 else { throw Self.failure("PUT", bucket: bucket, key: key, response) }
    }

    /// The object's bytes (held in memory: batch output files, not media libraries).
    ///
    /// - Throws: ``FinetuneError`` `s3` (404 included: the caller asked for an object it expects).
    public func get(bucket: String, key: String) async throws(FinetuneError) -> [UInt8] {
        let response = try await send("GET", bucket: bucket, key: key, query: nil, body: [], contentType: nil)
        guard response.status == 200 else { throw Self.failure("GET", bucket: bucket, key: key, response) }
        return response.body
    }

    /// Every key under `prefix` (`ListObjectsV2`, following continuation tokens), in S3's order (UTF-8 binary).
    ///
    /// - Throws: ``FinetuneError`` `s3`.
    public func list(bucket: String, prefix: String) async throws(FinetuneError) -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=" + SigV4Canonical.uriEncode(prefix)
            if let token { query = "continuation-token=" + SigV4Canonical.uriEncode(token) + "&" + query }
            let response = try await send("GET", bucket: bucket, key: "", query: query, body: [], contentType: nil)
            guard response.status == 200 else { throw Self.failure("GET", bucket: bucket, key: "?list-type=2&prefix=\(prefix)", response) }
            let text = String(decoding: response.body, as: UTF8.self)
            keys += Self.elements("Key", in: text).map(Self.xmlUnescape)
            token = Self.elements("IsTruncated", in: text).first == "true" ? Self.elements("NextContinuationToken", in: text).first.map(Self.xmlUnescape) : nil
        } while token != nil
        return keys
    }

    /// The texts of every `<name>…</name>` element (ListObjectsV2 answers are flat enough for this).
    static func elements(_ name: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            out.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func xmlUnescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    private static func failure(_ method: String, bucket: String, key: String, _ r: HTTPTransportResponse) -> FinetuneError {
        // S3's XML error body names the code (NoSuchBucket, AccessDenied, SignatureDoesNotMatch, ...).
        let text = String(decoding: r.body.prefix(2048), as: UTF8.self)
        var code = ""
        if let a = text.range(of: "<Code>"), let b = text.range(of: "</Code>", range: a.upperBound..<text.endIndex) {
            code = " " + text[a.upperBound..<b.lowerBound]
        }
        let hint = r.status == 403 && method == "HEAD" ? " (access denied, or no such key and no s3:ListBucket permission)" : ""
        return FinetuneError(.s3, "\(method) s3://\(bucket)/\(key): HTTP \(r.status)\(code)\(hint)", isRetriable: r.status == 429 || r.status >= 500)
    }

    /// Sends one signed request, retrying throttling, 5xx and transport failures.
    /// - Parameters:
    ///   - key: empty for a bucket-level request (a listing).
    ///   - query: the raw query string (already encoded), or nil.
    private func send(_ method: String, bucket: String, key: String, query: String?, body: [UInt8], contentType: String?) async throws(FinetuneError) -> HTTPTransportResponse {
        // Keys travel percent-encoded once (slashes kept); S3's canonical request does not encode them again.
        let encodedKey = key.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4Canonical.uriEncode($0) }.joined(separator: "/")
        let base: String, path: String
        if let endpoint = access.endpoint {
            base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            path = "/" + SigV4Canonical.uriEncode(bucket) + (key.isEmpty ? "" : "/" + encodedKey)
        } else {
            base = "https://\(bucket).s3.\(access.region).amazonaws.com"
            path = "/" + encodedKey
        }
        guard let components = URLComponents(string: base), let hostName = components.host else {
            throw FinetuneError(.usage, "the S3 endpoint \(base) is not a URL")
        }
        // The Host header as libcurl sends it: the port only when it is not the scheme's default.
        let defaultPort = components.scheme?.lowercased() == "http" ? 80 : 443
        let host = components.port.flatMap { $0 == defaultPort ? nil : "\(hostName):\($0)" } ?? hostName
        var attempt = 1
        while true {
            let credentials: AWSCredentials
            do { credentials = try await access.credentials.credentials() } catch {
                throw FinetuneError(.s3, "no AWS credentials for S3: \(error.message)")
            }
            var headers: [(name: String, value: String)] = [("host", host)]
            if let contentType { headers.append(("content-type", contentType)) }
            let signer = SigV4Signer(credentials: credentials, region: access.region, service: "s3")
            let signature = signer.sign(method: method, path: path, query: query, headers: headers, body: body, date: Date(), signBody: true)
            let request = HTTPTransportRequest(method: method, url: base + path + (query.map { "?" + $0 } ?? ""), headers: headers.filter { $0.name != "host" } + signature.headersToAdd,
                                               body: body, timeout: timeout, connectTimeout: 5,
                                               // A HEAD's Content-Length is the object's size, not a body to refuse.
                                               // A GET of an object reads it whole (batch output files).
                                               maxResponseBytes: method == "HEAD" || (method == "GET" && !key.isEmpty) ? nil : 16 << 20)
            var retryAfter: Double?
            var failure: FinetuneError
            do {
                let response = try await transport.send(request)
                if response.status != 429, response.status < 500 { return response }
                retryAfter = RetryPolicy.serverDelay(headers: response.headers)
                failure = Self.failure(method, bucket: bucket, key: key, response)
            } catch {
                guard error.code != .cancelled else { throw FinetuneError(.s3, "cancelled") }
                let retriable = [BedrockError.Code.timeout, .connectFailure, .connectionReset, .transport].contains(error.code)
                failure = FinetuneError(.s3, "\(method) s3://\(bucket)/\(key): \(error.message)", isRetriable: retriable)
                guard retriable else { throw failure }
            }
            guard attempt < retryPolicy.maxAttempts else { throw failure }
            let delay = retryPolicy.delay(beforeRetry: attempt, serverDelay: retryAfter)
            do { try await Task.sleep(for: .seconds(delay)) } catch { throw FinetuneError(.s3, "cancelled") }
            attempt += 1
        }
    }
}
