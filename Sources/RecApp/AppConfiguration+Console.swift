import RecService

/// The web console's settings (`rec serve`).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `REC_CONSOLE` | serve `/console` | `on` |
/// | `REC_CONSOLE_METRICS_URLS` | other processes' `/metrics` the pipeline view reads, `name=URL,…` | none |
extension AppConfiguration {
    /// `REC_CONSOLE`: whether `rec serve` serves the web console. Default: on.
    public func consoleEnabled() throws -> Bool {
        switch (environment["REC_CONSOLE"] ?? "on").lowercased() {
        case "on", "true", "1", "": return true
        case "off", "false", "0": return false
        default: throw ConfigurationError("REC_CONSOLE must be on or off")
        }
    }

    /// `REC_CONSOLE_METRICS_URLS`, validated (http(s), no credentials, query or fragment; distinct names).
    ///
    /// - Throws: ``ConfigurationError`` naming the bad entry.
    public func consoleMetricsSources() throws -> [MetricsSource] {
        guard let text = environment["REC_CONSOLE_METRICS_URLS"], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        do { return try MetricsSource.parseList(text) } catch let e as RecServiceError {
            throw ConfigurationError("REC_CONSOLE_METRICS_URLS: \(e.message)")
        }
    }

    /// `REC_DEMO_CONSOLE_KEY`: an admin key `rec demo run` prints with the console's URL (set by `deploy/local/stack demo`).
    public var demoConsoleKey: String? { environment["REC_DEMO_CONSOLE_KEY"].flatMap { $0.isEmpty ? nil : $0 } }
}
