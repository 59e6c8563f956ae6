/// The `GET /health` answer of `rec titan-local` (read by `rec doctor`).
public struct TitanLocalHealth: Codable, Sendable, Equatable {
    public struct Faults: Codable, Sendable, Equatable {
        public var throttlingRate: Double
        public var serverErrorRate: Double
        public var addedLatencyMilliseconds: Int
    }

    public var status: String
    /// Always true: this is not Bedrock.
    public var standIn: Bool
    public var description: String
    public var modelId: String
    public var textModel: String
    public var modelDirectory: String
    public var dimensions: [Int]
    /// The Nova Multimodal Embeddings model id also served (absent from stand-ins built before Nova).
    public var novaModelId: String?
    public var novaDimensions: [Int]?
    public var imageDescriptorDimension: Int
    /// ``TitanLocalVectorVersion`` of the running build and model files (absent from stand-ins built before it).
    public var vectorVersion: String?
    public var authentication: String
    public var maxBatch: Int
    public var faults: Faults
    /// ARNs of the custom models the local trainer produced and serves (absent from stand-ins without a trainer).
    public var customModels: [String]?
}
