import Foundation

/// The outcome of ``DatasetValidator/validate(path:)``: every violation with its line, counts by rule, and
/// whether the file is valid (no errors; warnings allowed).
public struct DatasetValidationReport: Sendable, Codable {
    public var file: String
    public var role: TitanFinetuningRules.Role
    /// Non-empty lines (each one a record Bedrock would count).
    public var records: Int
    public var lines: Int
    /// Violations (errors and warnings) by line; line 0 is the file as a whole, listed last.
    public var violations: [DatasetViolation]
    /// Occurrences by rule (a file-level warning about N refs counts N).
    public var counts: [String: Int]
    /// Violations that are errors (the file is valid when there are none).
    public var errors: Int
    /// Violations that are warnings (a file-level one about many refs is one).
    public var warnings: Int
    public var localRefs: Int
    public var s3Refs: Int
    /// S3 refs a signed HEAD answered (found or not).
    public var s3RefsChecked: Int
    public var seconds: Double
    /// Caption token counts are estimates (``TitanFinetuningRules/maxCaptionTokens``).
    public var tokenCountsAreEstimates = true
    public var notes: [String]

    public var isValid: Bool { errors == 0 }

    enum CodingKeys: String, CodingKey {
        case file, role, records, lines, violations, counts, errors, warnings, localRefs, s3Refs, s3RefsChecked, seconds,
             tokenCountsAreEstimates, notes, valid
    }

    public init(file: String, role: TitanFinetuningRules.Role, records: Int, lines: Int, violations: [DatasetViolation], counts: [String: Int],
                localRefs: Int, s3Refs: Int, s3RefsChecked: Int, seconds: Double, notes: [String]) {
        self.file = file
        self.role = role
        self.records = records
        self.lines = lines
        self.violations = violations
        self.counts = counts
        // Entries, not occurrences: a file-level warning about 100,000 local refs is one warning.
        self.errors = violations.filter { !$0.isWarning }.count
        self.warnings = violations.filter(\.isWarning).count
        self.localRefs = localRefs
        self.s3Refs = s3Refs
        self.s3RefsChecked = s3RefsChecked
        self.seconds = seconds
        self.notes = notes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(file: try c.decode(String.self, forKey: .file), role: try c.decode(TitanFinetuningRules.Role.self, forKey: .role),
                  records: try c.decode(Int.self, forKey: .records), lines: try c.decode(Int.self, forKey: .lines),
                  violations: try c.decode([DatasetViolation].self, forKey: .violations), counts: try c.decode([String: Int].self, forKey: .counts),
                  localRefs: try c.decode(Int.self, forKey: .localRefs), s3Refs: try c.decode(Int.self, forKey: .s3Refs),
                  s3RefsChecked: try c.decode(Int.self, forKey: .s3RefsChecked), seconds: try c.decode(Double.self, forKey: .seconds),
                  notes: try c.decode([String].self, forKey: .notes))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(role, forKey: .role)
        try c.encode(isValid, forKey: .valid)
        try c.encode(records, forKey: .records)
        try c.encode(lines, forKey: .lines)
        try c.encode(errors, forKey: .errors)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(counts, forKey: .counts)
        try c.encode(violations, forKey: .violations)
        try c.encode(localRefs, forKey: .localRefs)
        try c.encode(s3Refs, forKey: .s3Refs)
        try c.encode(s3RefsChecked, forKey: .s3RefsChecked)
        try c.encode(tokenCountsAreEstimates, forKey: .tokenCountsAreEstimates)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(notes, forKey: .notes)
    }

    /// `--json`: one JSON document.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The human-readable report: `FILE:LINE: rule: message` lines (as compilers print them), then a summary.
    public func text() -> String {
        var out = ""
        let name = file
        for v in violations {
            out += v.line > 0 ? "\(name):\(v.line): " : "\(name): "
            out += "\(v.isWarning ? "warning" : "error"): \(v.rule.rawValue): \(v.message)\n"
        }
        out += "\n\(name): \(records.grouped) \(role.rawValue) record\(records == 1 ? "" : "s") in \(lines.grouped) line\(lines == 1 ? "" : "s"), "
        out += "\(errors.grouped) error\(errors == 1 ? "" : "s"), \(warnings.grouped) warning\(warnings == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s: "
        out += isValid ? "VALID\n" : "INVALID\n"
        for (rule, n) in counts.compactMap({ k, v in DatasetRule(rawValue: k).map { ($0, v) } }).sorted(by: { $0.0 < $1.0 }) {
            out += "  " + rule.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0) + n.grouped.leftPadded(9)
            out += rule.isWarning ? "  (warning)\n" : "\n"
        }
        for note in notes { out += "note: \(note)\n" }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
