import BedrockClient
import Foundation

extension SigV4Verifier {
    /// Verifies a request as the loopback server received it, at the current time.
    ///
    /// - Returns: the Bedrock-shaped 403 answer for a bad signature, or nil when the signature is good.
    func rejection(of request: LoopbackHTTPServer.Request) -> (type: BedrockErrorType, message: String)? {
        do {
            try verify(method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers, body: request.body, now: Date())
            return nil
        } catch {
            return (error.bedrockErrorType, error.message)
        }
    }
}
