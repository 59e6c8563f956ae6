/// What one API route is: the part of a ``Route`` that registration, authorization, the 405 answers and
/// the OpenAPI document read.
public struct RouteSpec: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case none
        /// A JSON body of at most `maxBytes`, described by `schema`.
        case json(maxBytes: Int, schema: JSONSchema)
    }

    public struct Query: Sendable, Equatable {
        public var name: String
        public var type: String
        public var description: String
        public init(_ name: String, _ type: String, _ description: String) {
            self.name = name
            self.type = type
            self.description = description
        }
    }

    /// A response body the route answers with.
    public struct ResponseBody: Sendable, Equatable {
        public var status: Int
        /// The schema's name in the document's `components/schemas`.
        public var schemaName: String
        public var schema: JSONSchema
        public var mediaType: String

        public init(status: Int, schemaName: String, schema: JSONSchema, mediaType: String = "application/json") {
            self.status = status
            self.schemaName = schemaName
            self.schema = schema
            self.mediaType = mediaType
        }

        init<T: APIResponseBody>(status: Int, _ body: T.Type) {
            self.init(status: status, schemaName: String(describing: T.self), schema: T.jsonSchema, mediaType: T.mediaType)
        }
    }

    public var method: String
    /// OpenAPI template (`/v1/items/{itemId}`).
    public var path: String
    public var operationID: String
    public var summary: String
    /// nil: open (no key needed).
    public var scope: APIKeyScope?
    public var query: [Query]
    /// Accepts `attr.<name>=<value>` attribute filters.
    public var attributeFilters: Bool
    public var body: Body
    /// The success response first, then any route-specific other response (errors answer
    /// ``APIErrorBody`` unless listed here).
    public var responses: [ResponseBody]

    public var successStatus: Int { responses[0].status }

    /// The members a JSON body may hold (any other is refused).
    public var bodyMembers: Set<String> {
        if case .json(_, let schema) = body { schema.propertyNames } else { [] }
    }

    /// Path parameter names, in order.
    public var pathParameters: [String] {
        path.split(separator: "/").compactMap { $0.hasPrefix("{") ? String($0.dropFirst().dropLast()) : nil }
    }

    /// The Hummingbird form (`/v1/items/:itemId`).
    public var routerPath: String {
        "/" + path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
    }
}
