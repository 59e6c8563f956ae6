import Foundation
import Testing
@testable import BedrockClient

/// Runs every case of the official SigV4 test suite (`<repo>/../shared/aws-sigv4-test-suite`), read at run time.
@Suite struct SigV4TestSuiteTests {
    static let suiteDirectory: URL = {
        // <repo>/Tests/BedrockClientTests/SigV4TestSuiteTests.swift → <repo>/../shared/aws-sigv4-test-suite
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/aws-sigv4-test-suite")
    }()

    static var caseNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: suiteDirectory.path)) ?? []
        return names.filter { name in
            FileManager.default.fileExists(atPath: suiteDirectory.appendingPathComponent(name).appendingPathComponent("request.txt").path)
        }.sorted()
    }

    struct Case {
        var context: Context
        var method: String
        var path: String
        var query: String?
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var directory: URL

        struct Context: Decodable {
            struct Credentials: Decodable {
                var access_key_id: String
                var secret_access_key: String
                var token: String?
            }
            var credentials: Credentials
            var expiration_in_seconds: Int?
            var normalize: Bool
            var region: String
            var service: String
            var sign_body: Bool
            var timestamp: String
            var omit_session_token: Bool?
        }

        func expected(_ file: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        }

        var signer: SigV4Signer {
            SigV4Signer(credentials: AWSCredentials(accessKeyID: context.credentials.access_key_id,
                                                    secretAccessKey: context.credentials.secret_access_key,
                                                    sessionToken: context.credentials.token),
                        region: context.region, service: context.service, normalizePath: context.normalize,
                        omitSessionTokenFromSignature: context.omit_session_token ?? false)
        }

        var date: Date { ISO8601DateFormatter().date(from: context.timestamp)! }
    }

    /// Parses `request.txt`: request line (the URI may contain spaces), headers with continuation lines, body.
    static func load(_ name: String) throws -> Case {
        let dir = suiteDirectory.appendingPathComponent(name)
        let context = try JSONDecoder().decode(Case.Context.self, from: Data(contentsOf: dir.appendingPathComponent("context.json")))
        let raw = try String(contentsOf: dir.appendingPathComponent("request.txt"), encoding: .utf8)
        var lines = raw.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let firstSpace = requestLine.firstIndex(of: " ")!
        let method = String(requestLine[..<firstSpace])
        var target = String(requestLine[requestLine.index(after: firstSpace)...])
        if target.hasSuffix(" HTTP/1.1") { target.removeLast(" HTTP/1.1".count) }
        var path = target, query: String?
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        }
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String]?
        for line in lines {
            if bodyLines != nil { bodyLines!.append(line); continue }
            if line.isEmpty { bodyLines = []; continue }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line
                continue
            }
            let colon = line.firstIndex(of: ":")!
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        let body = Array((bodyLines ?? []).joined(separator: "\n").utf8)
        return Case(context: context, method: method, path: path, query: query, headers: headers, body: body, directory: dir)
    }

    @Test func suiteIsPresent() {
        #expect(Self.caseNames.count >= 30, "official suite not found at \(Self.suiteDirectory.path)")
    }

    @Test(arguments: caseNames)
    func headerSigning(_ name: String) throws {
        let c = try Self.load(name)
        let result = c.signer.sign(method: c.method, path: c.path, query: c.query, headers: c.headers,
                                   body: c.body, date: c.date, signBody: c.context.sign_body)
        #expect(result.canonicalRequest == (try c.expected("header-canonical-request.txt")))
        #expect(result.stringToSign == (try c.expected("header-string-to-sign.txt")))
        #expect(result.signature == (try c.expected("header-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
        let signedRequest = try c.expected("header-signed-request.txt")
        #expect(signedRequest.contains("Authorization:" + result.authorization + "\n"))
        if let token = c.context.credentials.token {
            #expect(result.headersToAdd.contains { $0.name == "X-Amz-Security-Token" && $0.value == token })
        }
    }

    @Test(arguments: caseNames)
    func querySigning(_ name: String) throws {
        let c = try Self.load(name)
        guard FileManager.default.fileExists(atPath: c.directory.appendingPathComponent("query-canonical-request.txt").path) else { return }
        let result = c.signer.presign(method: c.method, path: c.path, query: c.query, headers: c.headers, date: c.date,
                                      expires: c.context.expiration_in_seconds ?? 3600,
                                      payloadHash: SigV4Canonical.hexSHA256(c.body))
        #expect(result.canonicalRequest == (try c.expected("query-canonical-request.txt")))
        #expect(result.stringToSign == (try c.expected("query-string-to-sign.txt")))
        #expect(result.signature == (try c.expected("query-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect((try c.expected("query-signed-request.txt")).contains("X-Amz-Signature=" + result.signature))
    }
}
