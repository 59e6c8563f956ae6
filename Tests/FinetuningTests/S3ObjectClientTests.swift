import BedrockClient
import Foundation
import Testing
@testable import Finetuning

/// Signed PUT and HEAD against a loopback S3 that verifies signatures; and the validator's S3 checks.
@Suite struct S3ObjectClientTests {
    @Test func putsAndHeadsSignedObjects() async throws {
        let s3 = try FakeS3()
        let client = s3.client()
        let png = try Fixtures.png(200, 200)
        try await client.put(bucket: "shop-datasets", key: "titan/run 1/a+b.png", body: png, contentType: "image/png")
        #expect(s3.objects.current["shop-datasets/titan/run 1/a+b.png"]?.body == png)
        #expect(s3.objects.current["shop-datasets/titan/run 1/a+b.png"]?.contentType == "image/png")
        let info = try await client.head(bucket: "shop-datasets", key: "titan/run 1/a+b.png")
        #expect(info == S3ObjectClient.ObjectInfo(contentLength: png.count, contentType: "image/png"))
        #expect(try await client.head(bucket: "shop-datasets", key: "missing.png") == nil)
        #expect(s3.refused.current == 0)
    }

    @Test func refusalsAreNotRetried() async throws {
        let s3 = try FakeS3()
        let e = await #expect(throws: FinetuneError.self) {
            try await s3.client(secret: "wrong").put(bucket: "shop-datasets", key: "a.png", body: [1, 2, 3], contentType: "image/png")
        }
        #expect(e?.message.contains("SignatureDoesNotMatch") == true && e?.isRetriable == false)
        let bucket = await #expect(throws: FinetuneError.self) {
            try await s3.client().put(bucket: "other-bucket", key: "a.png", body: [1], contentType: "image/png")
        }
        #expect(bucket?.message.contains("NoSuchBucket") == true)
        #expect(s3.requests.current["PUT"] == 2, "one attempt each")
    }

    @Test func validatorChecksS3RefsWithHead() async throws {
        let s3 = try FakeS3()
        s3.put("shop-datasets/ok.png", try Fixtures.png(200, 200), contentType: "image/png")
        s3.put("shop-datasets/heavy.jpg", [UInt8](repeating: 0, count: 5 * 1024 * 1024 + 1), contentType: "image/jpeg")
        s3.put("shop-datasets/anim.gif", Fixtures.gif, contentType: "image/gif")
        s3.put("shop-datasets/named.jpg", try Fixtures.png(200, 200), contentType: "image/png")
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = [
            Fixtures.line("s3://shop-datasets/ok.png", "one"),
            Fixtures.line("s3://shop-datasets/heavy.jpg", "two"),
            Fixtures.line("s3://shop-datasets/anim.gif", "three"),
            Fixtures.line("s3://shop-datasets/named.jpg", "four"),
            Fixtures.line("s3://shop-datasets/missing.png", "five"),
            Fixtures.line("s3://other-bucket/x.png", "six"),
            Fixtures.line("s3://shop-datasets/ok.png", "seven"),
            Fixtures.line("s3://shop-datasets/ok.png", "one"),
        ]
        let file = try Fixtures.write(Array((lines.joined(separator: "\n") + "\n").utf8), "validation.jsonl", in: dir)
        let r = try await DatasetValidator(role: .validation, baseDirectory: dir.path, s3: s3.client(), s3Concurrency: 3).validate(path: file.path)
        let rules = Dictionary(grouping: r.violations, by: \.line).mapValues { $0.map(\.rule) }
        #expect(rules[1] == nil)
        #expect(rules[2] == [.imageBytes])
        #expect(rules[3] == [.extensionMismatch])
        #expect(rules[4] == [.extensionMismatch])
        #expect(rules[5] == [.unreadableRef] && rules[6] == [.unreadableRef])
        #expect(r.violations.first { $0.line == 5 }?.message.contains("404") == true)
        #expect(rules[7] == [.duplicateImage] && rules[8] == [.duplicateRecord])
        #expect(r.s3Refs == 6 && r.s3RefsChecked == 6)
        #expect(s3.requests.current["HEAD"] == 6 && s3.refused.current == 0)

        // Without credentials: one file-level warning, nothing else about them.
        let noCredentials = S3ObjectClient(transport: CurlHTTPTransport(), access: .init(credentials: NoCredentials(), region: FakeS3.region, endpoint: s3.endpoint))
        let unchecked = try await DatasetValidator(role: .validation, baseDirectory: dir.path, s3: noCredentials).validate(path: file.path)
        #expect(unchecked.violations.filter { $0.line == 0 }.map(\.rule) == [.notChecked])
        #expect(unchecked.counts["not-checked"] == 6 && unchecked.isValid == false, "the duplicates are still errors")
        #expect(unchecked.violations.first { $0.rule == .notChecked }?.message.contains("no AWS credentials") == true)
    }

    struct NoCredentials: AWSCredentialProvider {
        var sourceName: String { "none" }
        func credentials() async throws(BedrockError) -> AWSCredentials { throw BedrockError(.credentialsUnavailable, "nothing configured") }
    }
}
