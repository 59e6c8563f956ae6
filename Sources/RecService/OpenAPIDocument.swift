import Foundation
import Hummingbird
import NIOCore
import RecCore

/// `GET /openapi.json`: the OpenAPI 3.0 document of ``RouteTable/routes``, every request and response
/// body with its schema (response schemas under `components/schemas`, named after their types).
public struct OpenAPIDocument: Encodable, Sendable, APIResponseBody {
    public var document: JSONValue
    private let bytes: [UInt8]

    init(_ routes: [RouteSpec]) {
        document = Self.describe(routes)
        bytes = document.encoded()
    }

    /// The document of ``RouteTable/routes``, encoded once.
    static let published = OpenAPIDocument(RouteTable.all)

    public func encode(to encoder: any Encoder) throws {
        try document.encode(to: encoder)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    public static let jsonSchema = JSONSchema.object([
        "openapi": .string, "info": .anyObject, "paths": .anyObject, "components": .anyObject,
    ])

    /// The name of the error body's schema (every error status refers to it).
    static let errorSchemaName = "Error"

    static func describe(_ routes: [RouteSpec]) -> JSONValue {
        let errorRef: JSONValue = ["$ref": "#/components/responses/Error"]
        var paths = [String: [String: JSONValue]]()
        var schemas: [String: JSONValue] = [errorSchemaName: APIErrorBody.jsonSchema.json]
        for r in routes {
            var params = [JSONValue]()
            for p in r.pathParameters {
                params.append(["name": .string(p), "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in r.query {
                params.append(["name": .string(q.name), "in": "query", "required": false, "description": .string(q.description),
                               "schema": ["type": .string(q.type)]])
            }
            var responses: [String: JSONValue] = [
                "400": errorRef, "401": errorRef, "403": errorRef, "404": errorRef, "413": errorRef, "503": errorRef,
            ]
            // The body did not arrive within the body timeout (`rec serve --body-timeout`).
            if r.body != .none { responses["408"] = errorRef }
            for (i, body) in r.responses.enumerated() {
                schemas[body.schemaName] = body.schema.json
                responses[String(body.status)] = [
                    "description": .string(i == 0 ? "Success" : body.schemaName),
                    "content": .object([body.mediaType: ["schema": JSONSchema.ref(body.schemaName).json]]),
                ]
            }
            var op: [String: JSONValue] = [
                "operationId": .string(r.operationID), "summary": .string(r.summary), "responses": .object(responses),
            ]
            if r.attributeFilters {
                op["x-attribute-filters"] = "Query parameters attr.<name>=<value> keep items whose attributes contain name: value."
            }
            if !params.isEmpty { op["parameters"] = .array(params) }
            if case .json(let max, let schema) = r.body {
                op["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema.json]],
                                     "description": .string("JSON, at most \(max) bytes.")]
            }
            op["security"] = r.scope == nil ? [] : [["apiKey": [.string(r.scope!.rawValue)]], ["bearer": [.string(r.scope!.rawValue)]]]
            paths[r.path, default: [:]][r.method.lowercased()] = .object(op)
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "rec recommendations API", "version": "1.0.0",
                "description": .string("Errors are {\"error\":{\"code\",\"message\"}}. A method not listed for a path answers 405 "
                    + "method_not_allowed with an Allow header; an unknown path 404 route_not_found; a request head or body that "
                    + "does not arrive within the server's timeouts 408 request_timeout, and the connection is closed."),
            ],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "securitySchemes": [
                    "apiKey": ["type": "apiKey", "in": "header", "name": "x-api-key"],
                    "bearer": ["type": "http", "scheme": "bearer"],
                ],
                "responses": ["Error": ["description": "Error", "content": ["application/json": ["schema": JSONSchema.ref(errorSchemaName).json]]]],
                "schemas": .object(schemas),
            ],
        ]
    }
}

extension RouteTable {
    /// The OpenAPI 3.0 document for ``all``.
    public static func openAPIDocument() -> JSONValue {
        OpenAPIDocument.published.document
    }
}
