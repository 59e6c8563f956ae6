import Hummingbird
import Logging

/// Per-request context: Hummingbird's core storage plus the request id the middleware assigns.
public struct RecRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Response bodies are compact JSON with sorted keys.
    public var responseEncoder: CompactJSONResponseEncoder { CompactJSONResponseEncoder() }
}
