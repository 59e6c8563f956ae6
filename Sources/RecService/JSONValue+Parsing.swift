import Foundation
import RecCore

extension JSONValue {
    /// Parses a request body.
    ///
    /// - Throws: ``RecServiceError`` `invalidInput` for anything that is not a JSON document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        guard !bytes.isEmpty else { throw RecServiceError(.invalidInput, "the request body is empty; a JSON object is expected") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw RecServiceError(.invalidInput, "the request body is not valid JSON")
        }
    }
}
