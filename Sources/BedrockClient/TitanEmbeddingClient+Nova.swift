import Foundation

extension TitanEmbeddingClient {
    /// Embeds one input with Amazon Nova Multimodal Embeddings.
    ///
    /// Nova takes exactly one modality per request, so text and image are sent as two requests, concurrently, and a
    /// caption with an image becomes one vector by ``NovaModel/fuse(_:_:)`` (the normalised mean of the two unit
    /// vectors). Both requests carry the same purpose and dimension. When either fails, the embed fails with the
    /// image's error first (so catalog ingest's "embed it again without the image" applies to the right part), else
    /// the text's.
    func embedNova(_ input: TitanInput, dimensions: Int, modelID: String?, purpose: EmbeddingPurpose) async throws(BedrockError) -> TitanEmbedding {
        let (textRequest, imageRequest, cut) = try input.novaRequests(dimensions: dimensions, textPolicy: configuration.textPolicy, purpose: purpose)
        let url = configuration.invokeURL(modelID: modelID)
        let path = String(url.dropFirst(configuration.endpoint.count))
        func encoded(_ request: NovaEmbeddingRequest?) throws(BedrockError) -> [UInt8]? {
            guard let request else { return nil }
            do { return Array(try JSONEncoder().encode(request)) } catch {
                throw BedrockError(.invalidInput, "could not encode the request")
            }
        }
        let textBody = try encoded(textRequest), imageBody = try encoded(imageRequest)
        @Sendable func part(_ body: [UInt8]?) async -> Result<(DecodedEmbedding, Int), BedrockError>? {
            guard let body else { return nil }
            do throws(BedrockError) {
                return .success(try await send(url: url, path: path, body: body, dimensions: dimensions, family: .nova, attemptsSoFar: 0))
            } catch {
                return .failure(error)
            }
        }
        async let textPart = part(textBody)
        async let imagePart = part(imageBody)
        let (t, i) = await (textPart, imagePart)
        if case .failure(let e)? = i { throw e }
        if case .failure(let e)? = t { throw e }
        let text = try t?.get(), image = try i?.get()
        let vector: [Float]
        switch (text, image) {
        case let (t?, i?): vector = NovaModel.fuse(t.0.vector, i.0.vector)
        case let (t?, nil): vector = t.0.vector
        case let (nil, i?): vector = i.0.vector
        case (nil, nil): throw BedrockError(.invalidInput, "nothing to embed: give text, an image, or both")
        }
        return TitanEmbedding(vector: vector, inputTextTokenCount: nil,
                              textWasTruncated: cut || text?.0.truncatedCharLength != nil,
                              attempts: (text?.1 ?? 0) + (image?.1 ?? 0))
    }
}
