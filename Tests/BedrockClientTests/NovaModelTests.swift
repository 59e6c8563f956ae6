import Foundation
import RecCore
import Testing
@testable import BedrockClient

/// Nova's request and response schema, the family abstraction and the input rules, without a server.
@Suite struct NovaModelTests {
    static func json(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    static func json(_ text: String) throws -> NSDictionary { try json(Data(text.utf8)) }

    @Test func textRequestEncodesAsTheDocumentedExample() throws {
        // The synchronous text example of the Nova user guide (embeddings-schema / the launch post), with the
        // product's purpose and dimension.
        let documented = #"""
        {"schemaVersion": "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING",
         "singleEmbeddingParams": {"embeddingPurpose": "GENERIC_INDEX", "embeddingDimension": 3072,
                                   "text": {"truncationMode": "END", "value": "Amazon Nova is a multimodal foundation model"}}}
        """#
        let request = NovaEmbeddingRequest.text("Amazon Nova is a multimodal foundation model", truncationMode: "END", purpose: .index, dimensions: 3072)
        #expect(try Self.json(JSONEncoder().encode(request)) == Self.json(documented))
        // And decodes back.
        #expect(try JSONDecoder().decode(NovaEmbeddingRequest.self, from: Data(documented.utf8)) == request)
    }

    @Test func imageRequestEncodesAsTheDocumentedExample() throws {
        let documented = #"""
        {"schemaVersion": "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING",
         "singleEmbeddingParams": {"embeddingPurpose": "IMAGE_RETRIEVAL", "embeddingDimension": 384,
                                   "image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQ"}}}}
        """#
        let request = NovaEmbeddingRequest.image(base64: "/9j/4AAQ", format: "jpeg", purpose: .imageRetrieval, dimensions: 384)
        let encoded = try Self.json(JSONEncoder().encode(request))
        #expect(encoded == (try Self.json(documented)))
        // Only one modality, and no null members.
        let params = try #require(encoded["singleEmbeddingParams"] as? NSDictionary)
        #expect(params["text"] == nil)
    }

    @Test func responseDecodesTheDocumentedShapes() throws {
        let plain = try JSONDecoder().decode(NovaEmbeddingResponse.self, from: Data(#"{"embeddings":[{"embeddingType":"TEXT","embedding":[0.1,-0.2,0.3]}]}"#.utf8))
        #expect(plain.embeddings == [.init(embeddingType: "TEXT", embedding: [0.1, -0.2, 0.3])])
        #expect(plain.embeddings[0].truncatedCharLength == nil)
        let truncated = try JSONDecoder().decode(NovaEmbeddingResponse.self,
                                                 from: Data(#"{"embeddings":[{"embeddingType":"TEXT","embedding":[0.3,0.4],"truncatedCharLength":12645}]}"#.utf8))
        #expect(truncated.embeddings[0].truncatedCharLength == 12645)
    }

    @Test func familyIsInferredFromBaseModelIDs() {
        #expect(EmbeddingModelFamily.inferred(fromModelID: "amazon.titan-embed-image-v1") == .titan)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "amazon.titan-embed-image-v1:0") == .titan)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "amazon.nova-2-multimodal-embeddings-v1:0") == .nova)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "us.amazon.nova-2-multimodal-embeddings-v1:0") == .nova)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-multimodal-embeddings-v1:0") == .nova)
        // Custom and provisioned models do not say which base model they serve (reliably): no guess.
        #expect(EmbeddingModelFamily.inferred(fromModelID: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234") == nil)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-embed-image-v1:0/abc") == nil)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "amazon.titan-embed-text-v2:0") == nil)
        #expect(EmbeddingModelFamily.inferred(fromModelID: "amazon.titan-embed-image-v10") == nil)
    }

    @Test func familySettingIsRequiredForArnsAndMustAgreeWithBaseIDs() throws {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234"
        let missing = #expect(throws: BedrockError.self) { try EmbeddingModelFamily.resolve(modelID: arn, setting: nil) }
        #expect(missing?.code == .configuration)
        #expect(missing?.message.contains("BEDROCK_MODEL_FAMILY") == true)
        #expect(try EmbeddingModelFamily.resolve(modelID: arn, setting: "nova") == .nova)
        #expect(try EmbeddingModelFamily.resolve(modelID: arn, setting: " Titan ") == .titan)
        #expect(try EmbeddingModelFamily.resolve(modelID: NovaModel.multimodalEmbeddingsV1, setting: "") == .nova)
        let contradiction = #expect(throws: BedrockError.self) { try EmbeddingModelFamily.resolve(modelID: TitanModel.multimodalEmbeddingsV1, setting: "nova") }
        #expect(contradiction?.message.contains("contradicts") == true)
        let unknown = #expect(throws: BedrockError.self) { try EmbeddingModelFamily.resolve(modelID: arn, setting: "cohere") }
        #expect(unknown?.message.contains("titan or nova") == true)
    }

    @Test func environmentSelectsTheFamilyAndItsDimensions() throws {
        let base = ["AWS_REGION": "us-east-1"]
        let titan = try BedrockClientConfiguration.fromEnvironment(base)
        #expect(titan.family == .titan)
        #expect(titan.dimensions == 1024)
        let nova = try BedrockClientConfiguration.fromEnvironment(base.merging(["BEDROCK_MODEL_ID": NovaModel.multimodalEmbeddingsV1,
                                                                               "BEDROCK_EMBEDDING_DIMENSIONS": "3072"]) { $1 })
        #expect(nova.family == .nova)
        #expect(nova.dimensions == 3072)
        #expect(nova.invokeURL().hasSuffix("/model/amazon.nova-2-multimodal-embeddings-v1%3A0/invoke"))
        // Titan has no 3072.
        let titan3072 = #expect(throws: BedrockError.self) { try BedrockClientConfiguration.fromEnvironment(base.merging(["BEDROCK_EMBEDDING_DIMENSIONS": "3072"]) { $1 }) }
        #expect(titan3072?.code == .configuration)
        #expect(titan3072?.message.contains("256, 384 or 1024") == true)
        let arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234"
        #expect(throws: BedrockError.self) { try BedrockClientConfiguration.fromEnvironment(base.merging(["BEDROCK_MODEL_ID": arn]) { $1 }) }
        let provisionedNova = try BedrockClientConfiguration.fromEnvironment(base.merging(["BEDROCK_MODEL_ID": arn, "BEDROCK_MODEL_FAMILY": "nova",
                                                                                          "BEDROCK_EMBEDDING_DIMENSIONS": "3072"]) { $1 })
        #expect(provisionedNova.family == .nova)
        // Nothing of Nova's 3072 is allowed past the family's own list.
        #expect(throws: BedrockError.self) { try BedrockClientConfiguration(modelID: NovaModel.multimodalEmbeddingsV1, dimensions: 512) }
        // The programmatic default for an id it cannot read stays Titan, as before Nova.
        #expect(try BedrockClientConfiguration(modelID: arn).family == .titan)
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 64)

    @Test func inputRulesRefuseBadInputBeforeSending() {
        func code(_ input: TitanInput, _ dimensions: Int = 256, _ policy: TitanTextPolicy = .truncate) -> BedrockError.Code? {
            do {
                _ = try input.novaRequests(dimensions: dimensions, textPolicy: policy, purpose: .index)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(TitanInput(text: "x"), 512) == .invalidInput)
        #expect(code(TitanInput(text: "x"), 2048) == .invalidInput)
        #expect(code(TitanInput(text: "x"), 3072) == nil)
        #expect(code(TitanInput()) == .invalidInput)
        #expect(code(TitanInput(text: "  \n ")) == .invalidInput)
        #expect(code(TitanInput(image: [])) == .invalidInput)
        #expect(code(TitanInput(image: Self.png + [UInt8](repeating: 0, count: 5 * 1024 * 1024))) == .invalidInput)
        #expect(code(TitanInput(image: Array("GIF89a......".utf8))) == .invalidInput)
        let long = String(repeating: "word ", count: 2000)  // 10,000 characters
        #expect(code(TitanInput(text: long), 256, .reject) == .invalidInput)
        #expect(code(TitanInput(text: long), 256, .passThrough) == nil)
    }

    @Test func textPolicyMapsToTruncationMode() throws {
        let long = String(repeating: "word ", count: 2000)
        let cut = try TitanInput(text: long).novaRequests(dimensions: 1024, textPolicy: .truncate, purpose: .index)
        #expect(cut.truncated)
        let text = try #require(cut.text?.singleEmbeddingParams.text)
        #expect(text.truncationMode == "END")
        #expect(text.value.count <= NovaModel.maxTextCharacters)
        #expect(text.value.hasSuffix("word"), "cut at a word boundary")
        let short = try TitanInput(text: "red shoes").novaRequests(dimensions: 1024, textPolicy: .truncate, purpose: .textRetrieval)
        #expect(!short.truncated)
        #expect(short.text?.singleEmbeddingParams.embeddingPurpose == "TEXT_RETRIEVAL")
        #expect(short.image == nil)
        let passed = try TitanInput(text: long).novaRequests(dimensions: 1024, textPolicy: .passThrough, purpose: .index)
        #expect(passed.text?.singleEmbeddingParams.text?.truncationMode == "NONE")
        #expect(passed.text?.singleEmbeddingParams.text?.value == long)
        // A caption with an image: two requests, one modality each, the same purpose and dimension.
        let both = try TitanInput(text: "chair", image: Self.png).novaRequests(dimensions: 3072, textPolicy: .truncate, purpose: .index)
        let image = try #require(both.image?.singleEmbeddingParams)
        #expect(image.image?.format == "png")
        #expect(image.image?.source.bytes == Data(Self.png).base64EncodedString())
        #expect(image.text == nil)
        #expect(image.embeddingDimension == 3072)
        #expect(both.text?.singleEmbeddingParams.image == nil)
    }

    @Test func purposesAndFusion() {
        #expect(EmbeddingPurpose.index.novaValue == "GENERIC_INDEX")
        #expect(EmbeddingPurpose.retrieval(searchingKind: "fused") == .genericRetrieval)
        #expect(EmbeddingPurpose.retrieval(searchingKind: "text").novaValue == "TEXT_RETRIEVAL")
        #expect(EmbeddingPurpose.retrieval(searchingKind: "image").novaValue == "IMAGE_RETRIEVAL")
        let fused = NovaModel.fuse([3, 0], [0, 2])
        #expect(abs(fused[0] - fused[1]) < 1e-6, "halfway between the two directions, whatever their norms")
        #expect(abs(VectorMath.norm(fused) - 1) < 1e-6)
        #expect(EmbeddingModelFamily.nova.dimensionsText == "256, 384, 1024 or 3072")
        #expect(EmbeddingModelFamily.titan.dimensionsText == "256, 384 or 1024")
    }
}
