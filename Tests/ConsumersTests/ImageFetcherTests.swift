import RecCore
import BedrockClient
import BedrockTestSupport
import Foundation
import Testing
@testable import Consumers

/// The image fetcher against a loopback HTTP server (no external services; loopback is allowed explicitly).
@Suite struct ImageFetcherTests {
    static let png = PNGEncoder.encode(width: 4, height: 4, rgb: [UInt8](repeating: 7, count: 48))
    static let loopback = try! AddressPolicy(allowList: "127.0.0.0/8")

    /// - Parameter requests: counts the requests that reached the server.
    func server(requests: Locked<Int> = Locked(0)) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            requests.withLock { $0 += 1 }
            switch request.rawPath {
            case "/ok.png": return .respond(status: 200, headers: [("Content-Type", "image/png")], body: Self.png, delay: 0)
            case "/hop": return .respond(status: 302, headers: [("Location", "/ok.png")], body: [], delay: 0)
            case "/to-other-address": return .respond(status: 302, headers: [("Location", "http://127.0.0.2/ok.png")], body: [], delay: 0)
            case "/to-file": return .respond(status: 302, headers: [("Location", "file:///etc/hostname")], body: [], delay: 0)
            case "/huge.png": return .respond(status: 200, headers: [], body: Self.png + [UInt8](repeating: 0, count: 6 * 1024 * 1024), delay: 0)
            case "/text": return .respond(status: 200, headers: [], body: Array("hello".utf8), delay: 0)
            case "/busy.png": return .respond(status: 503, headers: [], body: [], delay: 0)
            case "/slow.png": return .respond(status: 200, headers: [], body: Self.png, delay: 3)
            case "/s3bucket/dir/a%20b.png":
                // The fetcher signs S3 GETs; the fake checks that the request is signed for s3.
                let auth = request.header("Authorization") ?? ""
                let ok = auth.contains("/us-east-1/s3/aws4_request") && request.header("x-amz-content-sha256") != nil
                return .respond(status: ok ? 200 : 403, headers: [], body: ok ? Self.png : [], delay: 0)
            default: return .respond(status: 404, headers: [], body: [], delay: 0)
            }
        }
    }

    @Test func downloadsAndClassifiesFailures() async throws {
        let s = try server()
        defer { s.shutdown() }
        let f = ImageFetcher(transport: CurlHTTPTransport(), timeout: 1, addressPolicy: Self.loopback)
        #expect(try await f.fetch(s.baseURL + "/ok.png") == Self.png)
        let cases: [(String, Bool)] = [("/huge.png", false), ("/text", false), ("/missing.png", false), ("/busy.png", true), ("/slow.png", true)]
        for (path, retriable) in cases {
            let e = await #expect(throws: ImageFetchError.self) { try await f.fetch(s.baseURL + path) }
            #expect(e?.isRetriable == retriable, "\(path): \(e?.description ?? "")")
        }
    }

    @Test func readsFilesAndRefusesLargeOnes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(Self.png).write(to: dir.appendingPathComponent("a.png"))
        try Data(Self.png + [UInt8](repeating: 1, count: 100)).write(to: dir.appendingPathComponent("big.png"))
        let f = ImageFetcher(transport: CurlHTTPTransport(), maxBytes: Self.png.count + 10, fileDirectory: try ImageFileDirectory(dir.path))
        #expect(try await f.fetch(dir.appendingPathComponent("a.png").absoluteString) == Self.png)
        let e = await #expect(throws: ImageFetchError.self) { try await f.fetch(dir.appendingPathComponent("big.png").absoluteString) }
        #expect(e?.isRetriable == false)
    }

    @Test func signsS3Requests() async throws {
        let s = try server()
        defer { s.shutdown() }
        let s3 = ImageFetcher.S3(credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDS3TEST", secretAccessKey: "secret")),
                                 region: "us-east-1", endpoint: s.baseURL)
        let f = ImageFetcher(transport: CurlHTTPTransport(), s3: s3, addressPolicy: Self.loopback)
        #expect(try await f.fetch("s3://s3bucket/dir/a%20b.png") == Self.png)
        let unsigned = ImageFetcher(transport: CurlHTTPTransport(), addressPolicy: Self.loopback)
        let e = await #expect(throws: ImageFetchError.self) { try await unsigned.fetch("s3://s3bucket/dir/a%20b.png") }
        #expect(e?.isRetriable == false)
    }

    @Test func refusesLoopbackByDefaultBeforeSendingAnything() async throws {
        let requests = Locked(0)
        let s = try server(requests: requests)
        defer { s.shutdown() }
        let f = ImageFetcher(transport: CurlHTTPTransport())
        for url in [s.baseURL + "/ok.png", "http://localhost:\(s.port)/ok.png", "http://[::ffff:127.0.0.1]:\(s.port)/ok.png"] {
            let e = await #expect(throws: ImageFetchError.self) { try await f.fetch(url) }
            #expect(e?.isRetriable == false, "\(url)")
            #expect(e?.message.contains("is not allowed (loopback") == true, "\(url): \(e?.description ?? "")")
        }
        let direct = await #expect(throws: ImageFetchError.self) { try await f.fetch(s.baseURL + "/ok.png") }
        #expect(direct?.message == "address 127.0.0.1 is not allowed (loopback)")
        #expect(requests.current == 0)
        #expect(try await ImageFetcher(transport: CurlHTTPTransport(), addressPolicy: Self.loopback).fetch("http://localhost:\(s.port)/ok.png") == Self.png)
    }

    @Test func checksEveryRedirectHop() async throws {
        let s = try server()
        defer { s.shutdown() }
        let f = ImageFetcher(transport: CurlHTTPTransport(), addressPolicy: try AddressPolicy(allowList: "127.0.0.1/32"))
        #expect(try await f.fetch(s.baseURL + "/hop") == Self.png)
        let other = await #expect(throws: ImageFetchError.self) { try await f.fetch(s.baseURL + "/to-other-address") }
        #expect(other?.message == "address 127.0.0.2 is not allowed (loopback)")
        #expect(other?.isRetriable == false)
        let file = await #expect(throws: ImageFetchError.self) { try await f.fetch(s.baseURL + "/to-file") }
        #expect(file?.message.contains("only http and https") == true, "\(file?.description ?? "")")
        #expect(file?.isRetriable == false)
    }

    /// A connection that an unrestricted request (Bedrock, credentials) left in the shared cache is checked too.
    @Test func refusesAReusedConnection() async throws {
        let requests = Locked(0)
        let s = try server(requests: requests)
        defer { s.shutdown() }
        let transport = CurlHTTPTransport()
        #expect(try await transport.send(HTTPTransportRequest(method: "GET", url: s.baseURL + "/ok.png")).status == 200)
        let e = await #expect(throws: ImageFetchError.self) { try await ImageFetcher(transport: transport).fetch(s.baseURL + "/ok.png") }
        #expect(e?.message == "address 127.0.0.1 is not allowed (loopback)")
        #expect(requests.current == 1)
    }
}
