/// One API route: the single source for registration, authorization and the OpenAPI document.
public struct RouteSpec: Sendable, Equatable {
    public enum Body: Sendable, Equatable { case none, json(maxBytes: Int) }
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
    public var successStatus: Int

    /// Path parameter names, in order.
    public var pathParameters: [String] {
        path.split(separator: "/").compactMap { $0.hasPrefix("{") ? String($0.dropFirst().dropLast()) : nil }
    }

    /// The Hummingbird form (`/v1/items/:itemId`).
    public var routerPath: String {
        "/" + path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
    }
}
