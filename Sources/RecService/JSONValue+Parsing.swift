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

extension JSONValue {
    /// This value as a `Decodable` type: what a store returns as JSON, as a response type.
    ///
    /// - Throws: `DecodingError` when the shapes differ (a bug: it answers 500).
    func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(encoded()))
    }
}
