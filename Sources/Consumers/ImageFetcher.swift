#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BedrockClient
import Foundation

/// Downloads product images with the size limit enforced while downloading.
///
/// Image URLs come from catalog events, i.e. from whoever can publish to the topic, so what they may reach is
/// limited:
/// - `http(s)://`: a GET through the shared libcurl transport (up to 5 redirects, connect and total timeouts)
///   under ``addressPolicy``: public unicast addresses only, checked on the addresses actually connected to (after
///   DNS, on every redirect hop), no proxy, no redirect to another scheme.
/// - `s3://bucket/key`: a SigV4-signed GET (service `s3`) to the bucket's regional endpoint
///   (`https://<bucket>.s3.<region>.amazonaws.com/<key>`) or, with an endpoint override, path style
///   (`<endpoint>/<bucket>/<key>`); the same address policy applies.
/// - `file://`: refused unless ``fileDirectory`` is set; then read directly (on a dispatch queue, not the
///   cooperative pool) when the resolved path is inside that directory.
/// The bytes must be PNG or JPEG of at most `maxBytes`.
public struct ImageFetcher: Sendable {
    /// S3 access for `s3://` URLs.
    public struct S3: Sendable {
        public var credentials: any AWSCredentialProvider
        public var region: String
        /// Path-style endpoint override (e.g. MinIO, LocalStack), from `AWS_ENDPOINT_URL_S3`.
        public var endpoint: String?
        public init(credentials: any AWSCredentialProvider, region: String, endpoint: String? = nil) {
            self.credentials = credentials
            self.region = region
            self.endpoint = endpoint
        }
    }

    public let transport: any HTTPTransport
    public let s3: S3?
    /// Default: 5 MB, Titan's limit.
    public let maxBytes: Int
    /// Whole-download timeout, seconds. Default: 10.
    public let timeout: Double
    /// Default: 3 s.
    public let connectTimeout: Double
    /// Which addresses `http(s)` and `s3` downloads may connect to. Default: ``AddressPolicy/publicOnly``.
    public let addressPolicy: AddressPolicy
    /// Where `file://` URLs may read. Default: nil, `file://` refused.
    public let fileDirectory: ImageFileDirectory?

    public init(transport: any HTTPTransport, s3: S3? = nil, maxBytes: Int = TitanModel.maxImageBytes, timeout: Double = 10, connectTimeout: Double = 3,
                addressPolicy: AddressPolicy = .publicOnly, fileDirectory: ImageFileDirectory? = nil) {
        self.transport = transport
        self.s3 = s3
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.addressPolicy = addressPolicy
        self.fileDirectory = fileDirectory
    }

    /// - Throws: ``ImageFetchError`` (check `isRetriable`).
    public func fetch(_ url: String) async throws(ImageFetchError) -> [UInt8] {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else {
            throw ImageFetchError("not a URL", isRetriable: false)
        }
        let bytes: [UInt8]
        switch scheme {
        case "file": bytes = try await readFile(c)
        case "http", "https":
            guard let host = c.host, !host.isEmpty else { throw ImageFetchError("the URL has no host", isRetriable: false) }
            bytes = try await get(url, headers: [])
        case "s3": bytes = try await getS3(bucket: c.host ?? "", key: String(c.percentEncodedPath.dropFirst()))
        default: throw ImageFetchError("unsupported scheme \(scheme)", isRetriable: false)
        }
        guard TitanInput.imageFormat(bytes) != nil else { throw ImageFetchError("the content is neither PNG nor JPEG", isRetriable: false) }
        return bytes
    }

    private func readFile(_ url: URLComponents) async throws(ImageFetchError) -> [UInt8] {
        guard let fileDirectory else { throw ImageFetchError("file:// image URLs are not enabled", isRetriable: false) }
        guard (url.host ?? "").isEmpty || url.host?.lowercased() == "localhost" else {
            throw ImageFetchError("a file:// URL must not name a host", isRetriable: false)
        }
        // One answer for outside, missing, unreadable and not a regular file: the event learns nothing about what exists.
        let unreadable = ImageFetchError("no readable file at this path in the image directory", isRetriable: false)
        guard let path = fileDirectory.resolve(url.path) else { throw unreadable }
        let max = maxBytes
        let result: Result<[UInt8], ImageFetchError> = await withCheckedContinuation { cont in
            DispatchQueue.global().async {
                // The path is resolved; O_NOFOLLOW refuses a symlink swapped in since, O_NONBLOCK a FIFO's wait.
                let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                guard fd >= 0 else { cont.resume(returning: .failure(unreadable)); return }
                let h = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
                var info = stat()
                guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { cont.resume(returning: .failure(unreadable)); return }
                // Read one byte past the limit so an over-large file is refused without reading it all.
                let data = (try? h.read(upToCount: max + 1)) ?? Data()
                if data.count > max {
                    cont.resume(returning: .failure(ImageFetchError("file is larger than \(max) bytes", isRetriable: false)))
                } else {
                    cont.resume(returning: .success([UInt8](data)))
                }
            }
        }
        return try result.get()
    }

    private func get(_ url: String, headers: [(name: String, value: String)]) async throws(ImageFetchError) -> [UInt8] {
        let request = HTTPTransportRequest(method: "GET", url: url, headers: headers, timeout: timeout, connectTimeout: connectTimeout,
                                           maxResponseBytes: maxBytes, followRedirects: true, addressPolicy: addressPolicy)
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            switch error.code {
            case .responseTooLarge: throw ImageFetchError("larger than \(maxBytes) bytes", isRetriable: false)
            case .destinationRefused: throw ImageFetchError(error.message, isRetriable: false)
            case .dnsFailure: throw ImageFetchError("host does not resolve", isRetriable: false)
            case .tlsFailure: throw ImageFetchError("TLS failure", isRetriable: false)
            case .cancelled: throw ImageFetchError("cancelled", isRetriable: true)
            default: throw ImageFetchError("\(error.code)", isRetriable: true)
            }
        }
        switch response.status {
        case 200: return response.body
        case 408, 425, 429, 500...599: throw ImageFetchError("HTTP \(response.status)", isRetriable: true)
        default: throw ImageFetchError("HTTP \(response.status)", isRetriable: false)
        }
    }

    private func getS3(bucket: String, key: String) async throws(ImageFetchError) -> [UInt8] {
        guard let s3 else { throw ImageFetchError("s3:// URLs need S3 access configured", isRetriable: false) }
        guard !bucket.isEmpty, !key.isEmpty else { throw ImageFetchError("s3 URL needs a bucket and a key", isRetriable: false) }
        // Keys travel percent-encoded once (slashes kept); S3 does not double-encode in the canonical request.
        let encodedKey = key.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4Canonical.uriEncode(SigV4Canonical.percentDecode($0)) }.joined(separator: "/")
        let base: String, path: String
        if let endpoint = s3.endpoint {
            base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            path = "/" + SigV4Canonical.uriEncode(bucket) + "/" + encodedKey
        } else {
            base = "https://\(bucket).s3.\(s3.region).amazonaws.com"
            path = "/" + encodedKey
        }
        let host = URLComponents(string: base)?.host.map { h in URLComponents(string: base)?.port.map { "\(h):\($0)" } ?? h } ?? ""
        let creds: AWSCredentials
        do { creds = try await s3.credentials.credentials() } catch { throw ImageFetchError("no AWS credentials for S3", isRetriable: true) }
        let signer = SigV4Signer(credentials: creds, region: s3.region, service: "s3")
        let signature = signer.sign(method: "GET", path: path, headers: [("host", host)], body: [], date: Date(), signBody: true)
        return try await get(base + path, headers: signature.headersToAdd)
    }
}
