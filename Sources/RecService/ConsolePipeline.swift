import BedrockClient
import Foundation
import RecCore

/// Builds the pipeline view (``PipelineStatus``): scrapes serve's own metrics and each configured source at most
/// once a second (however many consoles poll), keeps the history that turns counters into rates, and adds the
/// dead-letter summary (cached 30 s: reading a dead-letter topic reads all of it) and the vector index's size.
enum ConsolePipeline {
    /// Seconds between scrapes, at least.
    static let scrapeInterval: TimeInterval = 1
    /// How long a dead-letter summary is reused.
    static let deadLetterTTL: TimeInterval = 30
    /// A source's scrape: its whole answer within 2 s and 4 MB.
    static let scrapeTimeout = 2.0
    static let maxScrapeBytes = 4 * 1024 * 1024

    static func status(deps: RecAPIDependencies, console: ConsoleDependencies, reader: ConsoleReader, now: Date = Date()) async throws -> JSONValue {
        let runtime = console.runtime
        let outcomes = try await runtime.scrapeGate.run { () -> [String: String?] in
            if let last = runtime.pipeline.current.lastScrape, Date().timeIntervalSince(last) < scrapeInterval {
                return [:]
            }
            return await scrape(deps: deps, console: console)
        }
        let sourceStates = runtime.sourceStates(update: outcomes)
        let history = runtime.pipeline.current
        let names = ["serve"] + console.metricsSources.map(\.name)
        let ticks = history.ticks.suffix(150)
        let last = ticks.last
        let fresh = last.map { (history.lastScrape ?? now).timeIntervalSince($0.at) < 10 } ?? false
        return [
            "generatedAt": .string(RFC3339.format(now)),
            "windowSeconds": .number(PipelineHistory.round(history.windowSeconds)),
            "sources": .array(names.map { name in
                let error = sourceStates[name] ?? nil
                return ["name": .string(name), "kind": .string(name == "serve" ? "local" : "remote"),
                        "up": .bool(error == nil && history.snapshots[name] != nil), "error": error.map { .string($0) } ?? .null]
            }),
            "consumers": .array(history.consumers(sources: names)),
            "throughput": [
                "messagesPerSecond": fresh ? .number(PipelineHistory.round(last!.messagesPerSecond)) : .null,
                "httpRequestsPerSecond": fresh ? .number(PipelineHistory.round(last!.httpRequestsPerSecond)) : .null,
                "series": .array(ticks.map { t in [
                    "at": .string(RFC3339.format(t.at)), "messagesPerSecond": .number(PipelineHistory.round(t.messagesPerSecond)),
                    "httpRequestsPerSecond": .number(PipelineHistory.round(t.httpRequestsPerSecond)),
                ] }),
            ],
            "embedding": .array(history.embedding(sources: names)),
            "deadLetters": await deadLetters(console: console, published: history.deadLettersPublished(sources: names), now: now),
            "index": try await reader.index(),
        ]
    }

    /// Scrapes every source once and records the samples; returns each source's error (nil: fine).
    static func scrape(deps: RecAPIDependencies, console: ConsoleDependencies) async -> [String: String?] {
        var samples = [String: [PrometheusSample]]()
        var outcomes = [String: String?]()
        let u = deps.pool.usage
        let local = deps.metrics.render(poolInUse: u.inUse, poolSize: u.size) + (deps.moreMetrics?() ?? "")
        samples["serve"] = PrometheusSample.parse(local, keep: PipelineHistory.keeps)
        outcomes["serve"] = .some(nil)
        if let transport = console.metricsTransport {
            await withTaskGroup(of: (String, Result<[PrometheusSample], RecServiceError>).self) { group in
                for source in console.metricsSources {
                    group.addTask { (source.name, await fetch(source, transport: transport)) }
                }
                for await (name, result) in group {
                    switch result {
                    case .success(let s): samples[name] = s; outcomes[name] = .some(nil)
                    case .failure(let e): outcomes[name] = .some(e.message)
                    }
                }
            }
        } else {
            for source in console.metricsSources { outcomes[source.name] = .some("no transport configured") }
        }
        let now = Date()
        console.runtime.pipeline.withLock { $0.record(samples, at: now) }
        return outcomes
    }

    /// One source's samples: a GET of its configured URL, no redirects, bounded in time and size.
    static func fetch(_ source: MetricsSource, transport: any HTTPTransport) async -> Result<[PrometheusSample], RecServiceError> {
        let request = HTTPTransportRequest(method: "GET", url: source.url, headers: [("accept", "text/plain")], timeout: scrapeTimeout,
                                           connectTimeout: 1, maxResponseBytes: maxScrapeBytes, followRedirects: false)
        do {
            let response = try await transport.send(request)
            guard response.status == 200 else { return .failure(RecServiceError(.upstream, "HTTP \(response.status)")) }
            return .success(PrometheusSample.parse(String(decoding: response.body, as: UTF8.self), keep: PipelineHistory.keeps))
        } catch {
            return .failure(RecServiceError(.upstream, "\(error.code)"))
        }
    }

    /// The dead-letter topics by reason, read at most every ``deadLetterTTL``.
    static func deadLetters(console: ConsoleDependencies, published: [JSONValue], now: Date) async -> JSONValue {
        guard let read = console.deadLetters else {
            return ["available": false, "error": .null, "checkedAt": .null, "topics": [], "published": .array(published)]
        }
        let cached = console.runtime.deadLetters.current
        let entry: (at: Date, value: Result<[DeadLetterSummary], RecServiceError>)
        if let cached, now.timeIntervalSince(cached.at) < deadLetterTTL {
            entry = cached
        } else {
            do {
                entry = (now, .success(try await read()))
            } catch {
                entry = (now, .failure(RecServiceError(.upstream, "the dead-letter topics could not be read: \(ProductImage.reason(error))")))
            }
            console.runtime.deadLetters.withLock { $0 = entry }
        }
        var out: [String: JSONValue] = ["available": true, "checkedAt": .string(RFC3339.format(entry.at)), "published": .array(published)]
        switch entry.value {
        case .success(let topics):
            out["error"] = .null
            out["topics"] = .array(topics.map { t in [
                "topic": .string(t.topic), "exists": .bool(t.exists), "total": .number(Double(t.total)),
                "byReason": .array(t.byReason.map { ["reason": .string($0.reason), "count": .number(Double($0.count))] }),
            ] })
        case .failure(let e):
            out["error"] = .string(e.message)
            out["topics"] = []
        }
        return .object(out)
    }
}

extension ConsoleRuntime {
    /// The last known error of each source (nil: up), updated by a scrape's outcomes.
    func sourceStates(update: [String: String?]) -> [String: String?] {
        sourceErrors.withLock { s in
            for (k, v) in update { s[k] = v }
            return s
        }
    }
}
