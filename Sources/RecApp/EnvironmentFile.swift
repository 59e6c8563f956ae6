import Foundation

/// An environment file as systemd's `EnvironmentFile=`, compose's `env_file` and `deploy/local/stack env` write
/// them: `NAME=value` lines, optionally `export `-prefixed, values optionally in single or double quotes, `#`
/// comments and blank lines ignored.
public enum EnvironmentFile {
    /// - Throws: ``ConfigurationError`` naming the file and line of anything else.
    public static func parse(_ text: String, path: String) throws -> [String: String] {
        var env = [String: String]()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ConfigurationError("\(path):\(index + 1): expected NAME=value")
            }
            let name = String(line[..<eq])
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !(name.first?.isNumber ?? true) else {
                throw ConfigurationError("\(path):\(index + 1): \(name) is not a variable name")
            }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, let q = value.first, q == "'" || q == "\"", value.last == q {
                value = String(value.dropFirst().dropLast())
            } else if let q = value.first, q == "'" || q == "\"" {
                // `'…'${X:+…}` and other shell expansions are not a plain value: fine for the shell's own
                // variables (LD_LIBRARY_PATH), an error for rec's.
                guard isOwn(name) else { continue }
                throw ConfigurationError("\(path):\(index + 1): \(name): unterminated quote or a shell expression (write the plain value)")
            }
            env[name] = value
        }
        return env
    }

    static func isOwn(_ name: String) -> Bool {
        Settings.named(name) != nil || ["REC_", "BEDROCK_", "KAFKA_", "AWS_"].contains(where: name.hasPrefix)
    }

    /// The files, read in order; later files override earlier ones (a shared file, then a process's own).
    public static func load(_ paths: [String]) throws -> [String: String] {
        var env = [String: String]()
        for path in paths {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigurationError("cannot read \(path): \(error.localizedDescription)")
            }
            env.merge(try parse(text, path: path)) { _, new in new }
        }
        return env
    }
}
