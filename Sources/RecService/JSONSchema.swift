import RecCore

/// A JSON Schema in the OpenAPI 3.0 dialect, as `/openapi.json` publishes it for request and response bodies.
///
/// Only what the API's bodies need: `type`, `properties`, `required`, `additionalProperties`, `items`,
/// `enum`, `nullable`, `oneOf`, `$ref`, bounds and descriptions.
public struct JSONSchema: Sendable, Equatable {
    /// The schema object as published.
    public var json: JSONValue

    public init(_ json: JSONValue) {
        self.json = json
    }

    public static let string = JSONSchema(["type": "string"])
    public static let number = JSONSchema(["type": "number"])
    public static let integer = JSONSchema(["type": "integer"])
    public static let boolean = JSONSchema(["type": "boolean"])
    /// An RFC 3339 timestamp.
    public static let dateTime = JSONSchema(["type": "string", "format": "date-time"])
    /// Any JSON object (kept verbatim, such as catalog attributes).
    public static let anyObject = JSONSchema(["type": "object", "additionalProperties": true])

    public static func array(_ items: JSONSchema, maxItems: Int? = nil) -> JSONSchema {
        var o: [String: JSONValue] = ["type": "array", "items": items.json]
        if let maxItems { o["maxItems"] = .number(Double(maxItems)) }
        return JSONSchema(.object(o))
    }

    /// An object with these members; every member is required (present, possibly `null` when
    /// ``nullable``) except those in `optional`, which may be left out.
    public static func object(_ properties: [String: JSONSchema], optional: Set<String> = []) -> JSONSchema {
        var o: [String: JSONValue] = ["type": "object", "properties": .object(properties.mapValues(\.json))]
        let required = properties.keys.filter { !optional.contains($0) }.sorted()
        if !required.isEmpty { o["required"] = .strings(required) }
        return JSONSchema(.object(o))
    }

    /// An object whose member names are data (`{"database":"ok"}`), every value of `values`' schema.
    public static func map(_ values: JSONSchema) -> JSONSchema {
        JSONSchema(["type": "object", "additionalProperties": values.json])
    }

    /// A string, one of `values`.
    public static func enumeration(_ values: [String]) -> JSONSchema {
        JSONSchema(["type": "string", "enum": .strings(values)])
    }

    /// Exactly one of `schemas`.
    public static func oneOf(_ schemas: [JSONSchema]) -> JSONSchema {
        JSONSchema(["oneOf": .array(schemas.map(\.json))])
    }

    /// A schema of the document's `components/schemas`.
    public static func ref(_ name: String) -> JSONSchema {
        JSONSchema(["$ref": .string("#/components/schemas/\(name)")])
    }

    /// The same schema, also accepting `null`.
    public var nullable: JSONSchema { with("nullable", true) }

    public func described(_ text: String) -> JSONSchema { with("description", .string(text)) }

    /// Numbers (`minimum`, `maximum`) or strings (`maxLength`) within bounds.
    public func bounded(minimum: Double? = nil, maximum: Double? = nil, maxLength: Int? = nil) -> JSONSchema {
        var s = self
        if let minimum { s = s.with("minimum", .number(minimum)) }
        if let maximum { s = s.with("maximum", .number(maximum)) }
        if let maxLength { s = s.with("maxLength", .number(Double(maxLength))) }
        return s
    }

    func with(_ key: String, _ value: JSONValue) -> JSONSchema {
        guard case .object(var o) = json else { return self }
        o[key] = value
        return JSONSchema(.object(o))
    }

    /// The member names of an object schema (what a request body may hold; anything else is refused).
    public var propertyNames: Set<String> {
        guard case .object(let o) = json, case .object(let properties)? = o["properties"] else { return [] }
        return Set(properties.keys)
    }

    /// The schema of one member of an object schema.
    public func property(_ name: String) -> JSONSchema? {
        guard case .object(let o) = json, case .object(let properties)? = o["properties"], let p = properties[name] else { return nil }
        return JSONSchema(p)
    }
}

/// A type that describes its JSON form (its `Codable` encoding) as a ``JSONSchema``.
public protocol JSONSchemaDescribable {
    static var jsonSchema: JSONSchema { get }
}
