import Foundation

/// The shared AWS files: `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE`,
/// `AWS_CONFIG_FILE`), for the profile `AWS_PROFILE` (default `default`).
public struct AWSSharedConfig: Sendable {
    public let profileName: String
    public let credentialsPath: String
    public let configPath: String

    public init(env: [String: String]) {
        profileName = env["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let home = env["HOME"] ?? NSHomeDirectory()
        func expand(_ p: String) -> String { p.hasPrefix("~/") ? home + p.dropFirst(1) : p }
        credentialsPath = expand(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        configPath = expand(env["AWS_CONFIG_FILE"] ?? "~/.aws/config")
    }

    /// The profile's keys, credentials file over config file. Missing files give an empty result.
    public func load() -> [String: String] {
        var merged: [String: String] = [:]
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
            let sections = Self.parseINI(text)
            let name = profileName == "default" ? (sections["default"] != nil ? "default" : "profile default") : "profile \(profileName)"
            merged = sections[name] ?? [:]
        }
        if let text = try? String(contentsOfFile: credentialsPath, encoding: .utf8) {
            merged.merge(Self.parseINI(text)[profileName] ?? [:]) { _, new in new }
        }
        return merged
    }

    /// The profile's `region`, if any.
    public var region: String? { load()["region"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Parses INI text: `[section]` headers, `key = value` lines, `#`/`;` comments; section names trimmed.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(whereSeparator: \.isWhitespace).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            sections[section]![key] = value
        }
        return sections
    }
}
