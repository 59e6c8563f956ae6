import Foundation
import RecCore

/// The metrics samples the pipeline view has read (serve's own and each configured source's), kept for
/// a few minutes so counters become rates: a plain value, fed by ``record(_:at:)`` and read by the
/// summaries below, tested without I/O.
struct PipelineHistory: Sendable {
    struct Snapshot: Sendable {
        var at: Date
        var samples: [PrometheusSample]
    }

    /// One point of the throughput series: rates between two consecutive scrapes.
    struct Tick: Sendable, Equatable {
        var at: Date
        var messagesPerSecond: Double
        var httpRequestsPerSecond: Double
    }

    /// How far back rates look. Default: 60 s.
    var window: TimeInterval = 60
    /// How long snapshots and ticks are kept. Default: 5 min.
    var retention: TimeInterval = 300
    private(set) var snapshots: [String: [Snapshot]] = [:]
    private(set) var ticks: [Tick] = []
    private(set) var lastScrape: Date?

    /// Metric families the view reads; everything else a source exposes is dropped on arrival.
    static func keeps(_ name: Substring) -> Bool {
        name.hasPrefix("rec_consumer_") || name.hasPrefix("bedrock_") || name == "rec_http_requests_total"
    }

    /// Records one scrape of every source (a failed source has no entry) and its throughput tick.
    mutating func record(_ scrape: [String: [PrometheusSample]], at now: Date) {
        var messages = 0.0, http = 0.0, any = false
        for (source, samples) in scrape {
            if let previous = snapshots[source]?.last, now > previous.at {
                let dt = now.timeIntervalSince(previous.at)
                messages += Self.delta(Self.sum(samples, "rec_consumer_messages_total", ["outcome": "done"]),
                                       Self.sum(previous.samples, "rec_consumer_messages_total", ["outcome": "done"])) / dt
                http += Self.delta(Self.sum(samples, "rec_http_requests_total"), Self.sum(previous.samples, "rec_http_requests_total")) / dt
                any = true
            }
            snapshots[source, default: []].append(Snapshot(at: now, samples: samples))
        }
        if any { ticks.append(Tick(at: now, messagesPerSecond: messages, httpRequestsPerSecond: http)) }
        let horizon = now.addingTimeInterval(-retention)
        ticks.removeAll { $0.at < horizon }
        for key in snapshots.keys { snapshots[key]!.removeAll { $0.at < horizon } }
        lastScrape = now
    }

    /// The newest snapshot of `source` and the oldest one within ``window`` before it (nil when there is only one).
    func span(_ source: String) -> (latest: Snapshot, base: Snapshot?)? {
        guard let all = snapshots[source], let latest = all.last else { return nil }
        let base = all.first { $0.at >= latest.at.addingTimeInterval(-window) && $0.at < latest.at }
        return (latest, base)
    }

    /// The longest span rates were computed over, across sources (0 before a second scrape).
    var windowSeconds: Double {
        snapshots.keys.compactMap { span($0) }.map { s in s.base.map { s.latest.at.timeIntervalSince($0.at) } ?? 0 }.max() ?? 0
    }

    // MARK: - summaries

    /// One consumer pipeline per `pipeline` label of each source.
    func consumers(sources: [String]) -> [JSONValue] {
        var out = [JSONValue]()
        for source in sources {
            guard let (latest, base) = span(source) else { continue }
            let pipelines = Set(latest.samples.filter { $0.name.hasPrefix("rec_consumer_") }.compactMap { $0.labels["pipeline"] }).sorted()
            for p in pipelines {
                let sel = ["pipeline": p]
                func total(_ s: [PrometheusSample], _ outcome: String) -> Double {
                    Self.sum(s, "rec_consumer_messages_total", sel.merging(["outcome": outcome]) { $1 })
                }
                func rate(_ outcome: String) -> JSONValue {
                    guard let base else { return .null }
                    let dt = latest.at.timeIntervalSince(base.at)
                    return .number(Self.round(Self.delta(total(latest.samples, outcome), total(base.samples, outcome)) / dt))
                }
                let lag = latest.samples.filter { $0.name == "rec_consumer_lag" && $0.labels["pipeline"] == p }
                    .sorted { ($0.labels["topic"] ?? "", Int($0.labels["partition"] ?? "") ?? 0) < ($1.labels["topic"] ?? "", Int($1.labels["partition"] ?? "") ?? 0) }
                out.append([
                    "source": .string(source), "pipeline": .string(p),
                    "done": .number(total(latest.samples, "done")), "deadLettered": .number(total(latest.samples, "dead_letter")),
                    "retried": .number(total(latest.samples, "retry")),
                    "donePerSecond": rate("done"), "deadLetteredPerSecond": rate("dead_letter"),
                    "pausedPartitions": .number(Self.sum(latest.samples, "rec_consumer_paused_partitions", sel)),
                    "totalLag": .number(lag.reduce(0) { $0 + max(0, $1.value) }),
                    "lag": .array(lag.map { s in [
                        "topic": .string(s.labels["topic"] ?? ""), "partition": .number(Double(Int(s.labels["partition"] ?? "") ?? -1)),
                        "lag": .number(s.value),
                    ] }),
                ])
            }
        }
        return out
    }

    /// `rec_consumer_dlq_total` of each pipeline of each source.
    func deadLettersPublished(sources: [String]) -> [JSONValue] {
        sources.flatMap { source -> [JSONValue] in
            guard let latest = span(source)?.latest else { return [] }
            return latest.samples.filter { $0.name == "rec_consumer_dlq_total" }.map {
                ["source": .string(source), "pipeline": .string($0.labels["pipeline"] ?? ""), "count": .number($0.value)]
            }
        }
    }

    /// The embedding client of each source, per model: requests, throttles, errors, latency over the window.
    func embedding(sources: [String]) -> [JSONValue] {
        var out = [JSONValue]()
        for source in sources {
            guard let (latest, base) = span(source) else { continue }
            let models = Set(latest.samples.filter { $0.name.hasPrefix("bedrock_") }.compactMap { $0.labels["model"] }).sorted()
            for model in models {
                let sel = ["model": model]
                let dt = base.map { latest.at.timeIntervalSince($0.at) }
                func windowed(_ name: String) -> (total: Double, inWindow: Double?) {
                    let now = Self.sum(latest.samples, name, sel)
                    return (now, base.map { Self.delta(now, Self.sum($0.samples, name, sel)) })
                }
                let requests = windowed("bedrock_requests_total"), throttles = windowed("bedrock_throttles_total")
                let errors = windowed("bedrock_errors_total")
                // Latency over the window when it saw requests, else since the process started.
                let count = windowed("bedrock_request_duration_seconds_count"), sum = windowed("bedrock_request_duration_seconds_sum")
                let useWindow = (count.inWindow ?? 0) > 0
                let n = useWindow ? count.inWindow! : count.total
                let s = useWindow ? sum.inWindow! : sum.total
                let buckets = Self.buckets(latest.samples, base: useWindow ? base?.samples : nil, model: model)
                func perSecond(_ v: (total: Double, inWindow: Double?)) -> JSONValue {
                    guard let w = v.inWindow, let dt, dt > 0 else { return .null }
                    return .number(Self.round(w / dt))
                }
                out.append([
                    "source": .string(source), "model": .string(model),
                    "requests": .number(requests.total), "throttles": .number(throttles.total), "errors": .number(errors.total),
                    "requestsPerSecond": perSecond(requests), "throttlesPerSecond": perSecond(throttles),
                    "meanLatencyMs": n > 0 ? .number(Self.round(s / n * 1000)) : .null,
                    "p95LatencyMs": Self.quantile(buckets, 0.95).map { .number(Self.round($0 * 1000)) } ?? .null,
                ])
            }
        }
        return out
    }

    /// Cumulative histogram buckets (upper bound, count) of the request duration, minus `base`'s when given.
    static func buckets(_ samples: [PrometheusSample], base: [PrometheusSample]?, model: String) -> [(le: Double, count: Double)] {
        func read(_ s: [PrometheusSample]) -> [Double: Double] {
            var out = [Double: Double]()
            for x in s where x.name == "bedrock_request_duration_seconds_bucket" && x.labels["model"] == model {
                if let le = x.labels["le"].flatMap({ PrometheusSample.parseValue(Substring($0)) }) { out[le, default: 0] += x.value }
            }
            return out
        }
        let now = read(samples), then = base.map(read) ?? [:]
        return now.keys.sorted().map { ($0, delta(now[$0]!, then[$0] ?? 0)) }
    }

    /// The upper bound of the bucket holding quantile `q` (nil without observations or when it is the +Inf bucket).
    static func quantile(_ buckets: [(le: Double, count: Double)], _ q: Double) -> Double? {
        guard let total = buckets.last?.count, total > 0 else { return nil }
        let rank = q * total
        return buckets.first { $0.count >= rank }.flatMap { $0.le.isFinite ? $0.le : nil }
    }

    static func sum(_ samples: [PrometheusSample], _ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.reduce(0) { acc, s in
            s.name == name && labels.allSatisfy({ s.labels[$0.key] == $0.value }) && s.value.isFinite ? acc + s.value : acc
        }
    }

    /// A counter's increase; a restarted process (the counter went down) counts from zero.
    static func delta(_ now: Double, _ before: Double) -> Double { now >= before ? now - before : now }

    static func round(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}
