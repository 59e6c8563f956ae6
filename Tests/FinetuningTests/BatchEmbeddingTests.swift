import BedrockClient
import Foundation
import Testing
@testable import Finetuning

/// Batch inference input lines and locations, without services.
@Suite struct BatchEmbeddingTests {
    @Test func aLineIsTheRecordIdAndTheStreamingBody() throws {
        let image = try Fixtures.png(200, 200)
        let (body, _) = try TitanEmbeddingRequest.make(TitanInput(text: "Red shirt. Cotton.", image: image), dimensions: 384, textPolicy: .truncate)
        let line = try BatchEmbeddingInputWriter.line(recordID: "sku-\"1\"", modelInput: body)
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") }, "one line per record")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(Set(object.keys) == ["recordId", "modelInput"])
        #expect(object["recordId"] as? String == "sku-\"1\"")
        let modelInput = try JSONSerialization.data(withJSONObject: try #require(object["modelInput"]))
        #expect(try JSONDecoder().decode(TitanEmbeddingRequest.self, from: modelInput) == body)
        let input = try #require(object["modelInput"] as? [String: Any])
        #expect(Set(input.keys) == ["inputText", "inputImage", "embeddingConfig"])
        #expect(input["inputImage"] as? String == Data(image).base64EncodedString())
        #expect((input["embeddingConfig"] as? [String: Int]) == ["outputEmbeddingLength": 384])
    }

    @Test func theBodyIsWhatTheClientSends() throws {
        // Text over the budget is cut by the same policy the client applies; no image, no member.
        let long = (0..<400).map { "word\($0)" }.joined(separator: " ")
        let (body, truncated) = try TitanEmbeddingRequest.make(TitanInput(text: long), dimensions: 1024, textPolicy: .truncate)
        #expect(truncated && body.inputImage == nil && (body.inputText?.count ?? 0) < long.count)
        #expect(throws: BedrockError.self) { try TitanEmbeddingRequest.make(TitanInput(text: long), dimensions: 1024, textPolicy: .reject) }
        #expect(throws: BedrockError.self) { try TitanEmbeddingRequest.make(TitanInput(text: "x"), dimensions: 512, textPolicy: .truncate) }
    }

    @Test func locations() throws {
        #expect(try BatchLocation("s3://bucket/a/b.jsonl") == .s3(bucket: "bucket", key: "a/b.jsonl"))
        #expect(try BatchLocation("s3://bucket") == .s3(bucket: "bucket", key: ""))
        #expect(try BatchLocation("s3://bucket/in").appending("x.jsonl").uri == "s3://bucket/in/x.jsonl")
        #expect(try BatchLocation("file:///tmp/batch/in.jsonl") == .local(path: "/tmp/batch/in.jsonl"))
        #expect(try BatchLocation("/tmp/batch/").appending("job").uri == "file:///tmp/batch/job")
        #expect(try BatchLocation("s3://b/k/in.jsonl").fileName == "in.jsonl")
        #expect(throws: FinetuneError.self) { try BatchLocation("s3:///key") }
        #expect(throws: FinetuneError.self) { try BatchLocation("https://example.com/x") }
    }

    @Test func listingXML() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>out/j1/in.jsonl.out</Key></Contents>\
            <Contents><Key>out/j1/a&amp;b.out</Key></Contents><NextContinuationToken>tok/en==</NextContinuationToken></ListBucketResult>
            """
        #expect(S3ObjectClient.elements("Key", in: xml).map(S3ObjectClient.xmlUnescape) == ["out/j1/in.jsonl.out", "out/j1/a&b.out"])
        #expect(S3ObjectClient.elements("NextContinuationToken", in: xml) == ["tok/en=="])
        #expect(S3ObjectClient.elements("IsTruncated", in: xml) == ["true"])
    }
}

/// Batch input and output through S3 (the loopback fake checks every signature): GET, ListObjectsV2 with
/// continuation tokens, and the output files of a job.
@Suite struct BatchEmbeddingS3Tests {
    @Test func getAndListThroughSignedRequests() async throws {
        let s3 = try FakeS3()
        let client = s3.client()
        s3.put("shop-datasets/out/abc123/in.jsonl.out", Array("{}\n".utf8))
        s3.put("shop-datasets/out/abc123/manifest.json.out", Array("{}".utf8))
        s3.put("shop-datasets/out/abc123/a b&c.jsonl.out", Array("x".utf8))
        s3.put("shop-datasets/other/x.out", [1])
        #expect(try await client.list(bucket: "shop-datasets", prefix: "out/abc123/") == ["out/abc123/a b&c.jsonl.out", "out/abc123/in.jsonl.out", "out/abc123/manifest.json.out"])
        #expect(try await client.get(bucket: "shop-datasets", key: "out/abc123/a b&c.jsonl.out") == Array("x".utf8))
        let missing = await #expect(throws: FinetuneError.self) { try await client.get(bucket: "shop-datasets", key: "nope") }
        #expect(missing?.message.contains("NoSuchKey") == true)
        let job = ModelInvocationJob(jobArn: "arn:aws:bedrock:eu-west-1:123456789012:model-invocation-job/abc123", jobName: "j", modelId: "amazon.titan-embed-image-v1",
                                     status: "Completed", outputDataConfig: .init(s3Uri: "s3://shop-datasets/out"))
        let files = try await BatchEmbeddingIngest.outputFiles(of: job, s3: client)
        #expect(files.map(\.uri) == ["s3://shop-datasets/out/abc123/a b&c.jsonl.out", "s3://shop-datasets/out/abc123/in.jsonl.out"], "manifest.json.out is not output")
        let refused = await #expect(throws: FinetuneError.self) { try await s3.client(secret: "wrong").list(bucket: "shop-datasets", prefix: "out/") }
        #expect(refused?.message.contains("SignatureDoesNotMatch") == true)
    }
}
