import Foundation

extension TitanInput {
    /// The Nova requests for this input, after the same checks as Titan's (nothing is sent when this throws).
    ///
    /// Text follows the text policy with Nova's limits: ``TitanTextPolicy/truncate`` cuts text over
    /// ``NovaModel/maxTextCharacters`` at a word boundary and sends `truncationMode: END`, so the model drops the
    /// end of text whose tokens exceed its context; ``TitanTextPolicy/reject`` refuses longer text before sending and
    /// sends `NONE`; ``TitanTextPolicy/passThrough`` sends the text as it is with `NONE` (Bedrock decides).
    ///
    /// - Returns: a text request, an image request, or both (a caption with an image: two requests, fused by the
    ///   client), and whether the text was cut here.
    /// - Throws: ``BedrockError`` `invalidInput`: no input, empty image, image over 5 MB, not PNG/JPEG, a dimension
    ///   Nova does not offer, or (policy `reject`) text over the limit.
    public func novaRequests(dimensions: Int, textPolicy: TitanTextPolicy, purpose: EmbeddingPurpose) throws(BedrockError)
        -> (text: NovaEmbeddingRequest?, image: NovaEmbeddingRequest?, truncated: Bool) {
        guard NovaModel.supportedDimensions.contains(dimensions) else {
            throw BedrockError(.invalidInput, "dimensions must be \(EmbeddingModelFamily.nova.dimensionsText), not \(dimensions)")
        }
        var text = self.text
        if let t = text, t.allSatisfy(\.isWhitespace) { text = nil }
        guard text != nil || image != nil else {
            throw BedrockError(.invalidInput, "nothing to embed: give text, an image, or both")
        }
        var imageRequest: NovaEmbeddingRequest?
        if let image {
            guard !image.isEmpty else { throw BedrockError(.invalidInput, "the image is empty") }
            guard image.count <= NovaModel.maxImageBytes else {
                throw BedrockError(.invalidInput, "the image is \(image.count) bytes; the limit is \(NovaModel.maxImageBytes) (5 MB)")
            }
            guard let format = Self.imageFormat(image) else {
                throw BedrockError(.invalidInput, "the image is neither PNG nor JPEG (by its first bytes)")
            }
            imageRequest = .image(base64: Data(image).base64EncodedString(), format: format.rawValue, purpose: purpose, dimensions: dimensions)
        }
        guard let t = text else { return (nil, imageRequest, false) }
        let limit = NovaModel.maxTextCharacters
        switch textPolicy {
        case .truncate:
            let cut = t.count > limit ? TitanTokenEstimator.prefix(t, characters: limit) : t
            return (.text(cut, truncationMode: "END", purpose: purpose, dimensions: dimensions), imageRequest, cut != t)
        case .reject:
            guard t.count <= limit else {
                throw BedrockError(.invalidInput, "the text is \(t.count) characters; Nova accepts at most \(limit)")
            }
            return (.text(t, truncationMode: "NONE", purpose: purpose, dimensions: dimensions), imageRequest, false)
        case .passThrough:
            return (.text(t, truncationMode: "NONE", purpose: purpose, dimensions: dimensions), imageRequest, false)
        }
    }
}
