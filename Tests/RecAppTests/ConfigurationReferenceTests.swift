import Foundation
import Testing
@testable import RecApp

/// The configuration reference cannot drift: docs/configuration.md is the registry, the registry names every
/// variable the sources read, and each documented default is the one the code applies.
@Suite struct ConfigurationReferenceTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func docsAreTheGeneratedReference() throws {
        let path = Self.repository.appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: path, encoding: .utf8)
        #expect(text == ConfigurationReference.markdown(), "docs/configuration.md is stale: run `rec config reference > docs/configuration.md`")
    }

    /// Every `"REC_…"`, `"BEDROCK_…"`, `"AWS_…"`, `"KAFKA_…"`, `"DATABASE_…"` literal in Sources is a setting (or a
    /// retired name), and every setting is read somewhere outside the registry.
    @Test func registryMatchesTheVariablesTheSourcesRead() throws {
        let sources = Self.repository.appendingPathComponent("Sources")
        let regex = try NSRegularExpression(pattern: "\"((?:REC|BEDROCK|AWS|KAFKA|DATABASE)_[A-Z0-9_]+)\"")
        let registryFiles: Set<String> = ["Settings.swift", "ConfigurationCheck.swift"]
        var read = [String: String]()
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" && !registryFiles.contains(url.lastPathComponent) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                read[String(text[Range(m.range(at: 1), in: text)!])] = url.lastPathComponent
            }
        }
        let retired = Set(Settings.retired.map(\.name))
        for (name, file) in read.sorted(by: { $0.key < $1.key }) where name != "KAFKA_BROKERS" || Settings.named(name) == nil {
            #expect(Settings.named(name) != nil || retired.contains(name), "\(file) reads \(name), which docs/configuration.md does not list (add it to Settings.swift)")
        }
        for setting in Settings.all where setting.name != "KAFKA_<PROPERTY>" {
            #expect(read[setting.name] != nil, "\(setting.name) is documented but no source reads it")
        }
        // A retired name is only ever mentioned to refuse it.
        for name in retired { #expect(read[name] == nil, "\(name) is retired but \(read[name] ?? "") still reads it") }
    }

    @Test func namesAreUnique() {
        let names = Settings.all.map(\.name)
        #expect(Set(names).count == names.count)
    }

    /// Setting a variable to its documented default changes nothing: the reference states the code's defaults.
    @Test func documentedDefaultsAreTheCodes() throws {
        let base = try AppConfiguration.fromEnvironment([:])
        let profile = try base.profileConfiguration()
        let recommender = try base.recommenderConfiguration()
        let http = try base.httpConnectionSettings()
        var checked = 0
        for setting in Settings.all where [.profiles, .ranking, .http, .topics, .catalog].contains(setting.section) {
            guard !setting.defaultValue.isEmpty, !setting.defaultValue.contains(" "), setting.defaultValue != "on" || setting.name == "REC_CREATE_TOPICS" else { continue }
            let app = try AppConfiguration.fromEnvironment([setting.name: setting.defaultValue])
            let p = try app.profileConfiguration(), r = try app.recommenderConfiguration()
            #expect(p == profile, "\(setting.name)=\(setting.defaultValue): \(p) vs \(profile)")
            #expect(r == recommender, "\(setting.name)=\(setting.defaultValue): \(r) vs \(recommender)")
            #expect(try app.httpConnectionSettings() == http, "\(setting.name)=\(setting.defaultValue)")
            #expect(try app.createTopics() == base.createTopics())
            #expect(try app.catalogPartitionCount() == base.catalogPartitionCount() && app.eventsPartitionCount() == base.eventsPartitionCount())
            #expect(app.catalogTopic == base.catalogTopic && app.eventsTopic == base.eventsTopic && app.catalogGroup == base.catalogGroup)
            #expect(app.interactionsGroup == base.interactionsGroup && app.embeddingMode == base.embeddingMode && app.brokenImages == base.brokenImages)
            checked += 1
        }
        #expect(checked > 40, "checked \(checked) defaults")
    }

    /// And a different value does change something (the variable is really read).
    @Test(arguments: ["REC_W_LONG=0.5", "REC_SESSION_FADE_HALF_LIFE_H=2", "REC_POPULARITY_HALF_LIFE_DAYS=3",
                      "REC_SESSION_HALF_LIFE_MINUTES=10", "BEDROCK_EMBEDDING_DIMENSIONS=256", "REC_COVISIT_PER_SOURCE=7"])
    func aChangedValueChangesTheModel(_ assignment: String) throws {
        let parts = assignment.split(separator: "=").map(String.init)
        let base = try AppConfiguration.fromEnvironment([:]), changed = try AppConfiguration.fromEnvironment([parts[0]: parts[1]])
        #expect(try base.profileConfiguration() != changed.profileConfiguration() || base.recommenderConfiguration() != changed.recommenderConfiguration())
    }

    @Test func serveAndProfilesShareTheDimension() throws {
        let app = try AppConfiguration.fromEnvironment(["BEDROCK_EMBEDDING_DIMENSIONS": "384"])
        #expect(try app.recommenderConfiguration().dimensions == 384)
        #expect(try app.profileConfiguration().dimension == 384)
    }

    @Test(arguments: Settings.retired.map(\.name))
    func retiredNamesStopAProcess(_ name: String) {
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment([name: "1"]) }
        do { _ = try AppConfiguration.fromEnvironment([name: "1"]) } catch {
            let replacement = Settings.retired.first { $0.name == name }!.replacement
            #expect("\(error)".contains(replacement))
        }
    }
}
