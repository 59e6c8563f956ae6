import Foundation
import Hummingbird
import NIOCore
import RecCore

/// A request as a route's handler sees it: the request, its context, its route and the API's
/// dependencies, with the parsing the routes share. Every failure is a ``RecServiceError`` naming the
/// parameter or member.
public struct APIRequest: Sendable {
    public let request: Request
    public let context: RecRequestContext
    public let spec: RouteSpec
    let api: RecAPI

    var deps: RecAPIDependencies { api.deps }
    var catalog: CatalogReader { api.catalog }
    var requestID: String { context.requestID }

    // MARK: - path and query

    func pathParameter(_ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw RecServiceError(.invalidInput, "missing \(name)") }
        let v = raw.removingPercentEncoding ?? raw
        guard (1...256).contains(v.utf8.count) else { throw RecServiceError(.invalidInput, "\(name) must be 1 to 256 bytes") }
        guard !IdentifierRule.hasControlCharacter(v) else { throw RecServiceError(.invalidInput, "\(name) must not contain control characters") }
        return v
    }

    /// Refuses query parameters the route does not declare.
    func checkQuery() throws {
        let allowed = Set(spec.query.map(\.name))
        for (k, _) in request.uri.queryParameters {
            if allowed.contains(String(k)) { continue }
            if spec.attributeFilters, k.hasPrefix("attr."), k.count > 5 { continue }
            throw RecServiceError(.invalidInput, "unknown query parameter '\(k.prefix(64))'")
        }
    }

    func queryInt(_ name: String, _ range: ClosedRange<Int>, default d: Int) throws -> Int {
        guard let s = request.uri.queryParameters.get(name) else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw RecServiceError(.invalidInput, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    func queryBool(_ name: String) throws -> Bool? {
        guard let s = request.uri.queryParameters.get(name) else { return nil }
        switch s.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RecServiceError(.invalidInput, "\(name) must be true or false")
        }
    }

    /// The request's instant: `asOf` (RFC 3339) for replays and offline evaluation, else the wall clock.
    /// Every time-based term (session fade, popularity, freshness, trending, transitions, published items)
    /// is computed at it.
    func asOf() throws -> Date {
        guard let s = request.uri.queryParameters.get("asOf") else { return Date() }
        return try Self.parseAsOf(String(s), field: "asOf")
    }

    static func parseAsOf(_ text: String, field: String) throws -> Date {
        guard text.utf8.count <= 64, let t = RFC3339.parse(text) else {
            throw RecServiceError(.invalidInput, "\(field) must be an RFC 3339 timestamp")
        }
        return t
    }

    func queryList(_ name: String, max: Int) throws -> [String] {
        let values = request.uri.queryParameters.getAll(name).flatMap { $0.split(separator: ",").map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard values.count <= max else { throw RecServiceError(.invalidInput, "\(name) lists more than \(max) values") }
        guard values.allSatisfy({ $0.utf8.count <= 256 }) else { throw RecServiceError(.invalidInput, "\(name) values must be at most 256 bytes") }
        guard !values.contains(where: IdentifierRule.hasControlCharacter) else { throw RecServiceError(.invalidInput, "\(name) values must not contain control characters") }
        return values
    }

    /// The listing query parameters (``RouteTable/listing``).
    func listing() throws -> (ListingRequest, explain: Bool) {
        var filters = ItemFilters()
        filters.categories = try queryList("categories", max: 50)
        filters.available = try queryBool("available")
        filters.exclude = try queryList("exclude", max: 500)
        for (k, v) in request.uri.queryParameters where k.hasPrefix("attr.") {
            let name = String(k.dropFirst(5))
            guard (1...64).contains(name.utf8.count), v.utf8.count <= 256 else {
                throw RecServiceError(.invalidInput, "attribute filters are attr.<name>=<value> with a name of at most 64 bytes")
            }
            filters.attributes[name] = String(v)
        }
        var diversity: Float = 0
        if let s = request.uri.queryParameters.get("diversity") {
            guard let d = Float(s), (0...1).contains(d) else { throw RecServiceError(.invalidInput, "diversity must be a number from 0 to 1") }
            diversity = d
        }
        let limit = try queryInt("limit", 1...100, default: 20)
        return (ListingRequest(limit: limit, filters: filters, diversity: diversity), try queryBool("explain") ?? false)
    }

    // MARK: - JSON body

    /// The JSON body, at most the route's declared size.
    func body() async throws -> JSONValue {
        guard case .json(let max, _) = spec.body else { return .null }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: max)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw RecServiceError(.payloadTooLarge, "the request body is larger than \(max) bytes")
        }
        return try JSONValue.parse(Array(buffer.readableBytesView))
    }

    /// The JSON body as an object holding only the members the route declares.
    func bodyObject() async throws -> JSONObjectReader {
        let o = try JSONObjectReader(try await body())
        try o.onlyAllow(spec.bodyMembers)
        return o
    }

    /// `{limit, filters, diversity, explain}` shared by the JSON listing bodies (``RouteTable/listingBody``).
    static func listing(_ o: JSONObjectReader) throws -> (ListingRequest, explain: Bool) {
        var filters = ItemFilters()
        if let f = try o.object("filters") {
            try f.onlyAllow(RouteTable.filtersSchema.propertyNames)
            filters.categories = try f.stringArray("categories", maxCount: 50) ?? []
            filters.exclude = try f.stringArray("exclude", maxCount: 500) ?? []
            filters.available = try f.bool("available")
            if let a = try f.object("attributes") {
                for (k, v) in a.fields {
                    guard case .string(let s) = v, (1...64).contains(k.utf8.count), s.utf8.count <= 256 else {
                        throw RecServiceError(.invalidInput, "body.filters.attributes must map names to strings")
                    }
                    filters.attributes[k] = s
                }
            }
        }
        let limit = try o.int("limit", in: 1...100) ?? 20
        let diversity = Float(try o.number("diversity", in: 0...1) ?? 0)
        return (ListingRequest(limit: limit, filters: filters, diversity: diversity), try o.bool("explain") ?? false)
    }
}
