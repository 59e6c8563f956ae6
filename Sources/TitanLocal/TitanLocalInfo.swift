/// What `rec titan-local` says about itself in responses and in `rec doctor`.
public enum TitanLocalInfo {
    /// Response header marking the local stand-in, so nobody mistakes it for Bedrock.
    public static let standInHeader = "x-rec-titan-local"
    public static let standInDescription = "local stand-in for Titan Multimodal Embeddings G1 (all-MiniLM-L6-v2 text, image descriptor; not aligned like Titan)"
}
