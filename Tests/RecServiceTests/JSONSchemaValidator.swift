import Foundation
import RecCore

/// Validates JSON values against the JSON Schema subset `/openapi.json` publishes (OpenAPI 3.0 dialect):
/// `$ref` (within the document), `oneOf`, `nullable`, `type`, `enum`, `format` (`date-time`, `uuid`),
/// `minimum`, `maximum`, `maxLength`, `maxItems`, `items`, `properties`, `required`, `additionalProperties`.
///
/// Stricter than JSON Schema on one point, so that a response member nobody documented is caught: an
/// object schema without `additionalProperties` admits only its `properties`.
struct JSONSchemaValidator {
    /// The document `$ref`s point into.
    let document: JSONValue

    /// What is wrong with `value`, one line per violation with its JSON path; empty when it is valid.
    func violations(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let s) = schema else { return ["\(path): the schema is not an object"] }
        if case .string(let ref)? = s["$ref"] {
            guard let target = resolve(ref) else { return ["\(path): unresolved $ref \(ref)"] }
            return violations(value, target, at: path)
        }
        if case .array(let options)? = s["oneOf"] {
            let matching = options.filter { violations(value, $0, at: path).isEmpty }.count
            return matching == 1 ? [] : ["\(path): matches \(matching) of the oneOf schemas, not exactly one"]
        }
        if value == .null {
            return s["nullable"] == .bool(true) ? [] : ["\(path): null where the schema is not nullable"]
        }
        var out = [String]()
        if case .string(let type)? = s["type"], !Self.has(value, type: type) {
            return ["\(path): \(value.jsonText.prefix(80)) is not of type \(type)"]
        }
        if case .array(let allowed)? = s["enum"], !allowed.contains(value) {
            out.append("\(path): \(value.jsonText.prefix(80)) is not one of \(JSONValue.array(allowed).jsonText)")
        }
        switch value {
        case .string(let text):
            if s["format"] == "date-time", RFC3339.parse(text) == nil { out.append("\(path): '\(text)' is not an RFC 3339 date-time") }
            if s["format"] == "uuid", UUID(uuidString: text) == nil { out.append("\(path): '\(text)' is not a UUID") }
            if case .number(let max)? = s["maxLength"], Double(text.count) > max { out.append("\(path): longer than \(max)") }
        case .number(let n):
            if case .number(let min)? = s["minimum"], n < min { out.append("\(path): \(n) < minimum \(min)") }
            if case .number(let max)? = s["maximum"], n > max { out.append("\(path): \(n) > maximum \(max)") }
        case .array(let items):
            if case .number(let max)? = s["maxItems"], Double(items.count) > max { out.append("\(path): more than \(max) items") }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { out += violations(item, itemSchema, at: "\(path)[\(i)]") }
            }
        case .object(let members):
            let properties: [String: JSONValue]
            if case .object(let p)? = s["properties"] { properties = p } else { properties = [:] }
            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where members[name] == nil { out.append("\(path): required member '\(name)' is missing") }
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let p = properties[name] {
                    out += violations(member, p, at: "\(path).\(name)")
                } else if case .object? = s["additionalProperties"] {
                    out += violations(member, s["additionalProperties"]!, at: "\(path).\(name)")
                } else if s["additionalProperties"] != .bool(true) {
                    out.append("\(path): member '\(name)' is not documented")
                }
            }
        case .null, .bool: break
        }
        return out
    }

    /// A `#/a/b/c` pointer into ``document``.
    func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in ref.dropFirst(2).split(separator: "/") {
            guard case .object(let o)? = node else { return nil }
            node = o[String(part)]
        }
        return node
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let n)): n == n.rounded()
        default: false
        }
    }

    /// The schema of the `status` response of `method` `path` (a template) for `mediaType`, from the document.
    func responseSchema(_ method: String, _ path: String, status: Int, mediaType: String) -> JSONValue? {
        guard var response = member(document, "paths", path, method.lowercased(), "responses", String(status)) else { return nil }
        if case .string(let ref)? = member(response, "$ref") { response = resolve(ref) ?? .null }
        return member(response, "content", mediaType, "schema")
    }

    func member(_ value: JSONValue, _ keys: String...) -> JSONValue? {
        var node: JSONValue? = value
        for k in keys {
            guard case .object(let o)? = node else { return nil }
            node = o[k]
        }
        return node
    }
}
