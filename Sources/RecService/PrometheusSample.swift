/// One sample of a Prometheus text exposition: `name{label="value",…} value`.
public struct PrometheusSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    public init(name: String, labels: [String: String] = [:], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }

    /// The samples of `text` whose metric name `keep` accepts. Comments, malformed lines and values that are not
    /// numbers are skipped: the text comes from another process and is only read, never relayed.
    public static func parse(_ text: String, keep: (Substring) -> Bool = { _ in true }) -> [PrometheusSample] {
        var out = [PrometheusSample]()
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.first, first != "#" else { continue }
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            let name = line[..<nameEnd]
            guard !name.isEmpty, keep(name) else { continue }
            var labels = [String: String]()
            var rest = line[nameEnd...]
            if rest.first == "{" {
                guard let (parsed, after) = parseLabels(rest.dropFirst()) else { continue }
                labels = parsed
                rest = after
            }
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
            guard let v = fields.first.flatMap({ parseValue($0) }) else { continue }
            out.append(PrometheusSample(name: String(name), labels: labels, value: v))
        }
        return out
    }

    static func parseValue(_ s: Substring) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(s)
        }
    }

    /// Labels up to the closing brace, with `\\`, `\"` and `\n` escapes in values.
    static func parseLabels(_ s: Substring) -> ([String: String], Substring)? {
        var labels = [String: String]()
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "}" { return (labels, s[s.index(after: i)...]) }
            if s[i] == "," || s[i] == " " { i = s.index(after: i); continue }
            guard let eq = s[i...].firstIndex(of: "=") else { return nil }
            let key = String(s[i..<eq]).trimmingCharacters(in: .whitespaces)
            var j = s.index(after: eq)
            guard j < s.endIndex, s[j] == "\"" else { return nil }
            j = s.index(after: j)
            var value = ""
            var closed = false
            while j < s.endIndex {
                let c = s[j]
                if c == "\\" {
                    let n = s.index(after: j)
                    guard n < s.endIndex else { return nil }
                    value.append(s[n] == "n" ? "\n" : s[n])
                    j = s.index(after: n)
                } else if c == "\"" {
                    closed = true
                    j = s.index(after: j)
                    break
                } else {
                    value.append(c)
                    j = s.index(after: j)
                }
            }
            guard closed else { return nil }
            labels[key] = value
            i = j
        }
        return nil
    }
}
