import BedrockClient
import BedrockTestSupport
import Consumers
import Foundation
import RecCore
@testable import Finetuning

/// A path-style S3 on loopback that checks every request's SigV4 signature (service `s3`) the way S3 does, and
/// keeps objects in memory: `PUT`, `HEAD`, `GET` of `/<bucket>/<key>`.
final class FakeS3: @unchecked Sendable {
    static let accessKeyID = "AKIDFAKES3000001"
    static let secretAccessKey = "fake/s3/secret/for/loopback"
    static let region = "eu-west-1"

    struct Object: Sendable {
        var body: [UInt8]
        var contentType: String?
    }

    let objects = Locked<[String: Object]>([:])
    /// Requests by method (signature failures included).
    let requests = Locked<[String: Int]>([:])
    let refused = Locked(0)
    let buckets: Set<String>
    private(set) var server: LoopbackHTTPServer!

    init(buckets: Set<String> = ["shop-datasets"]) throws {
        self.buckets = buckets
        let verifier = SigV4Verifier(secretsByAccessKeyID: [Self.accessKeyID: Self.secretAccessKey], region: Self.region, service: "s3")
        server = try LoopbackHTTPServer { [objects, requests, refused, buckets] r in
            requests.withLock { $0[r.method, default: 0] += 1 }
            do {
                try verifier.verify(method: r.method, rawPath: r.rawPath, rawQuery: r.rawQuery, headers: r.headers, body: r.body, now: Date())
            } catch {
                refused.withLock { $0 += 1 }
                return Self.error(403, "SignatureDoesNotMatch")
            }
            let parts = r.rawPath.dropFirst().split(separator: "/", maxSplits: 1)
            if parts.count == 1, r.method == "GET", buckets.contains(String(parts[0])) {
                // ListObjectsV2, one key per page so that continuation tokens are exercised.
                let query = Dictionary(SigV4Canonical.queryItems(r.rawQuery).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
                guard query["list-type"] == "2" else { return Self.error(400, "InvalidArgument") }
                let prefix = String(parts[0]) + "/" + (query["prefix"] ?? "")
                let keys = objects.withLock { $0.keys.filter { $0.hasPrefix(prefix) }.sorted() }.map { String($0.dropFirst(parts[0].count + 1)) }
                let start = query["continuation-token"].flatMap(Int.init) ?? 0
                var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><IsTruncated>\(start + 1 < keys.count)</IsTruncated>"
                if start < keys.count { xml += "<Contents><Key>\(keys[start].replacingOccurrences(of: "&", with: "&amp;"))</Key></Contents>" }
                if start + 1 < keys.count { xml += "<NextContinuationToken>\(start + 1)</NextContinuationToken>" }
                return .respond(status: 200, headers: [("Content-Type", "application/xml")], body: Array((xml + "</ListBucketResult>").utf8))
            }
            guard parts.count == 2 else { return Self.error(400, "InvalidRequest") }
            let bucket = String(parts[0]), key = SigV4Canonical.percentDecode(parts[1])
            guard buckets.contains(bucket) else { return Self.error(404, "NoSuchBucket") }
            let path = bucket + "/" + key
            switch r.method {
            case "PUT":
                objects.withLock { $0[path] = Object(body: r.body, contentType: r.header("content-type")) }
                return .respond(status: 200, headers: [("ETag", "\"x\"")], body: [])
            case "HEAD", "GET":
                guard let o = objects.withLock({ $0[path] }) else { return Self.error(404, "NoSuchKey") }
                return .respond(status: 200, headers: o.contentType.map { [("Content-Type", $0)] } ?? [], body: o.body)
            default:
                return Self.error(405, "MethodNotAllowed")
            }
        }
    }

    deinit { server.shutdown() }

    static func error(_ status: Int, _ code: String) -> LoopbackHTTPServer.Reply {
        .respond(status: status, headers: [("Content-Type", "application/xml")],
                 body: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>fake</Message></Error>".utf8))
    }

    var endpoint: String { server.baseURL }

    func access(secret: String = FakeS3.secretAccessKey) -> ImageFetcher.S3 {
        ImageFetcher.S3(credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: Self.accessKeyID, secretAccessKey: secret)),
                        region: Self.region, endpoint: endpoint)
    }

    func client(secret: String = FakeS3.secretAccessKey) -> S3ObjectClient {
        S3ObjectClient(transport: CurlHTTPTransport(maxConnections: 8), access: access(secret: secret),
                       retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxBackoff: 0.05), timeout: 5)
    }

    func put(_ path: String, _ body: [UInt8], contentType: String? = nil) {
        objects.withLock { $0[path] = Object(body: body, contentType: contentType) }
    }
}
