import BedrockClient
import Foundation
import RecCore

/// What the web console (`/console`, ``RouteTable/console``) needs beyond the API's own dependencies, wired by
/// `rec serve`. Every member is optional: a view whose source is missing says so instead of failing.
public struct ConsoleDependencies: Sendable {
    /// Other processes' Prometheus endpoints the pipeline view reads (the consumers' `REC_METRICS_PORT`). Only
    /// these URLs are ever fetched: requests name no URL.
    public var metricsSources: [MetricsSource]
    /// The transport the metrics sources are scraped with (redirects off, small bodies).
    public var metricsTransport: (any HTTPTransport)?
    /// Downloads a product image by its stored URL with catalog ingest's fetch policy (address policy, `file://`
    /// directory, size limit, PNG/JPEG only).
    public var fetchImage: (@Sendable (String) async throws -> [UInt8])?
    /// Summaries of the dead-letter topics (`rec dlq inspect`'s reader), or nil when no broker is configured.
    public var deadLetters: (@Sendable () async throws -> [DeadLetterSummary])?
    /// The consumer pipelines' topics, for labels (`catalog.v1`, `interactions.v1`).
    public var topics: [String]
    /// Process-wide caches and history of the console.
    let runtime = ConsoleRuntime()

    public init(metricsSources: [MetricsSource] = [], metricsTransport: (any HTTPTransport)? = nil,
                fetchImage: (@Sendable (String) async throws -> [UInt8])? = nil,
                deadLetters: (@Sendable () async throws -> [DeadLetterSummary])? = nil, topics: [String] = []) {
        self.metricsSources = metricsSources
        self.metricsTransport = metricsTransport
        self.fetchImage = fetchImage
        self.deadLetters = deadLetters
        self.topics = topics
    }
}

/// One dead-letter topic, counted by reason (what `rec dlq inspect` prints at the end).
public struct DeadLetterSummary: Sendable, Equatable {
    public var topic: String
    /// False when the broker does not know the topic (nothing was dead-lettered there yet).
    public var exists: Bool
    public var total: Int
    public var byReason: [(reason: String, count: Int)]

    public init(topic: String, exists: Bool, total: Int, byReason: [(reason: String, count: Int)]) {
        self.topic = topic
        self.exists = exists
        self.total = total
        self.byReason = byReason
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.topic == b.topic && a.exists == b.exists && a.total == b.total
            && a.byReason.map(\.reason) == b.byReason.map(\.reason) && a.byReason.map(\.count) == b.byReason.map(\.count)
    }
}

/// A Prometheus endpoint of another process, by a label the console shows (`consume`), never by what a request says.
public struct MetricsSource: Sendable, Equatable {
    public var name: String
    public var url: String

    /// - Throws: ``RecServiceError`` `configuration` for anything but an absolute `http(s)` URL without
    ///   credentials, query or fragment.
    public init(name: String, url: String) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = c.host, !host.isEmpty else {
            throw RecServiceError(.configuration, "metrics source \(name): \(url.prefix(200)) is not an http(s) URL with a host")
        }
        guard c.user == nil, c.password == nil else {
            throw RecServiceError(.configuration, "metrics source \(name): the URL must not carry credentials")
        }
        guard c.query == nil, c.fragment == nil else {
            throw RecServiceError(.configuration, "metrics source \(name): the URL must not have a query or fragment")
        }
        self.name = name
        self.url = url
    }

    /// Sources from a comma-separated list of URLs, each optionally `name=URL`; unnamed ones are named by host and port.
    ///
    /// - Throws: ``RecServiceError`` `configuration` naming the bad entry.
    public static func parseList(_ text: String) throws -> [MetricsSource] {
        var out = [MetricsSource]()
        for raw in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            var name: String?
            var url = raw
            if let eq = raw.firstIndex(of: "="), !raw[..<eq].contains(":") {
                name = String(raw[..<eq])
                url = String(raw[raw.index(after: eq)...])
            }
            let c = URLComponents(string: url)
            let label = name ?? "\(c?.host ?? "?")\(c?.port.map { ":\($0)" } ?? "")"
            out.append(try MetricsSource(name: label, url: url))
        }
        guard Set(out.map(\.name)).count == out.count else { throw RecServiceError(.configuration, "metrics sources need distinct names") }
        return out
    }
}

/// The console's process-wide state: the image cache, the metrics history, the dead-letter summary cache.
final class ConsoleRuntime: Sendable {
    let images = ProductImageCache(maxBytes: 32 * 1024 * 1024)
    let pipeline = Locked(PipelineHistory())
    let deadLetters = Locked<(at: Date, value: Result<[DeadLetterSummary], RecServiceError>)?>(nil)
    /// Serializes scrapes so that many open consoles cause one scrape per interval.
    let scrapeGate = AsyncGate()
    /// Each metrics source's last scrape error (nil: it answered).
    let sourceErrors = Locked<[String: String?]>([:])
}

/// At most one task in a section at a time; others wait their turn (no busy waiting).
final class AsyncGate: Sendable {
    private let state = Locked<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.busy { s.waiters.append(c); return false }
                s.busy = true
                return true
            }
            if go { c.resume() }
        }
        defer {
            let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if s.waiters.isEmpty { s.busy = false; return nil }
                return s.waiters.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
