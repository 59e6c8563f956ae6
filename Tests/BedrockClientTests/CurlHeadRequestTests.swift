import BedrockTestSupport
import Testing
@testable import BedrockClient

/// HEAD through the curl transport: the answer's Content-Length announces a body that never comes.
@Suite struct CurlHeadRequestTests {
    @Test func headReturnsHeadersWithoutWaitingForABody() async throws {
        let size = 6 * 1024 * 1024
        let server = try LoopbackHTTPServer { r in
            .respond(status: r.method == "HEAD" ? 200 : 405, headers: [("Content-Type", "image/png")], body: [UInt8](repeating: 1, count: size))
        }
        defer { server.shutdown() }
        let transport = CurlHTTPTransport(maxConnections: 1)
        // Waiting for the announced 6 MB would end each request in a timeout error. Three requests on one kept-alive
        // connection: a body left unread would also break the next one.
        for _ in 0..<3 {
            let r = try await transport.send(HTTPTransportRequest(method: "HEAD", url: server.baseURL + "/object.png", timeout: 10))
            #expect(r.status == 200 && r.body.isEmpty)
            #expect(r.header("Content-Length") == String(size))
        }
    }
}
