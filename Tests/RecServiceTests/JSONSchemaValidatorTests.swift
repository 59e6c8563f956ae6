import Foundation
import RecCore
import Testing
@testable import RecService

/// The schema test's validator catches what it is there to catch, and the published schemas accept the
/// bodies the response types write (no database needed).
@Suite("JSON Schema validator")
struct JSONSchemaValidatorTests {
    let document = RouteTable.openAPIDocument()
    var validator: JSONSchemaValidator { JSONSchemaValidator(document: document) }

    func schema(_ name: String) throws -> JSONValue { try #require(validator.resolve("#/components/schemas/\(name)")) }

    func json(_ v: some Encodable) throws -> JSONValue { try JSONValue.parse(try CompactJSONEncoder().encode(v)) }

    @Test func publishedSchemasAcceptWhatTheTypesWrite() throws {
        // Scores are finite (the encoding test's non-finite ones are there for the number formatting only).
        var result = ResponseEncodingTests.result
        result.items.removeAll { !$0.score.isFinite }
        for explain in [false, true] {
            let body = try json(RecommendationsResponse(result, explain: explain, requestID: "r", userID: "u"))
            let found = validator.violations(body, try schema("RecommendationsResponse"))
            #expect(found == [], "\(found)")
        }
        #expect(validator.violations(try json(APIErrorBody(code: "invalid_input", message: "m")), try schema("Error")) == [])
        #expect(validator.violations(try json(Readiness(checks: ["database": "ok"], ready: true)), try schema("Readiness")) == [])
        #expect(validator.violations(try json(Readiness(checks: ["database": "unreachable"], ready: false)), try schema("NotReady")) == [])
        #expect(validator.violations(document, try schema("OpenAPIDocument")) == [])
    }

    @Test func itRejectsWhatDoesNotMatch() throws {
        let item = try schema("CatalogItem")
        let good: JSONValue = [
            "id": "i1", "title": "t", "description": "d", "categories": ["a"], "attributes": ["free": ["form": 1]],
            "imageUrl": nil, "price": .number(2.5), "available": true, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z",
            "versionAt": "2026-01-02T00:00:00Z", "embeddings": [["kind": "fused", "dims": 256, "model": "m"]],
        ]
        #expect(validator.violations(good, item) == [])
        func with(_ key: String, _ value: JSONValue?) -> JSONValue {
            guard case .object(var o) = good else { return good }
            o[key] = value
            return .object(o)
        }
        let bad: [(JSONValue, String)] = [
            (with("title", nil), "required member 'title'"),
            (with("surprise", 1), "'surprise' is not documented"),
            (with("available", "yes"), "not of type boolean"),
            (with("title", .null), "null where the schema is not nullable"),
            (with("createdAt", "yesterday"), "not an RFC 3339"),
            (with("embeddings", [["kind": "fused", "dims": .number(2.5), "model": "m"]]), "$.embeddings[0].dims"),
        ]
        for (value, problem) in bad {
            let found = validator.violations(value, item)
            #expect(found.contains { $0.contains(problem) }, "\(problem): \(found)")
        }
        let strategy = try #require(validator.member(try schema("RecommendationsResponse"), "properties", "strategy"))
        #expect(validator.violations("magic", strategy).count == 1)
        let example = JSONSchema.oneOf([.string, .object(["id": .string])]).json
        #expect(validator.violations("i1", example) == [] && validator.violations(["id": "i1"], example) == [])
        #expect(validator.violations(5, example).count == 1)
    }
}
