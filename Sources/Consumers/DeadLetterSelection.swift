import Foundation

/// Which dead letters of one dead-letter topic a command acts on: chosen offsets (`--offsets 0:12,0:20-25`)
/// or all of them, optionally narrowed to those whose reason contains a text (`--reason`).
public struct DeadLetterSelection: Sendable, Equatable {
    /// Inclusive offset ranges per partition, sorted and merged; nil selects every offset.
    public var offsets: [Int32: [ClosedRange<Int64>]]?
    /// Keeps only dead letters whose reason contains this text (case-insensitive); nil or empty keeps all.
    public var reason: String?

    /// Every dead letter (of the reason, if given).
    public static func all(reason: String? = nil) -> DeadLetterSelection { DeadLetterSelection(offsets: nil, reason: reason) }

    public init(offsets: [Int32: [ClosedRange<Int64>]]?, reason: String? = nil) {
        self.offsets = offsets.map { $0.mapValues(Self.merged).filter { !$0.value.isEmpty } }
        self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses `--offsets`: comma-separated `partition:offset` or `partition:first-last` (inclusive), e.g.
    /// `0:12,0:20-25,1:3`. Whitespace around items is ignored; overlapping ranges merge.
    ///
    /// - Throws: ``DeadLetterError`` `invalidSelection` naming the item that does not parse.
    public init(parsing text: String, reason: String? = nil) throws(DeadLetterError) {
        var out = [Int32: [ClosedRange<Int64>]]()
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !(items.count == 1 && items[0].isEmpty) else { throw DeadLetterError(.invalidSelection, "--offsets is empty: give partition:offset items such as 0:12,0:20-25") }
        for item in items {
            func bad(_ why: String) -> DeadLetterError { DeadLetterError(.invalidSelection, "--offsets item '\(item)': \(why) (expected partition:offset or partition:first-last)") }
            guard !item.isEmpty else { throw bad("empty item") }
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw bad("needs exactly one ':'") }
            guard let partition = Self.number(parts[0]).flatMap({ Int32(exactly: $0) }) else { throw bad("the partition is not a non-negative integer") }
            let bounds = parts[1].split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2 else { throw bad("too many '-'") }
            guard let first = Self.number(bounds[0]) else { throw bad("the offset is not a non-negative integer") }
            guard let last = bounds.count == 2 ? Self.number(bounds[1]) : first else { throw bad("the last offset is not a non-negative integer") }
            guard first <= last else { throw bad("the range ends before it starts") }
            out[partition, default: []].append(first...last)
        }
        self.init(offsets: out, reason: reason)
    }

    /// Whether the offset is selected (the reason is checked by ``matches(reason:)``).
    public func contains(partition: Int32, offset: Int64) -> Bool {
        guard let offsets else { return true }
        return offsets[partition]?.contains { $0.contains(offset) } ?? false
    }

    /// Whether a dead letter with `reason` is selected by the reason filter.
    public func matches(reason text: String) -> Bool {
        guard let reason else { return true }
        return text.range(of: reason, options: .caseInsensitive) != nil
    }

    /// The offsets to read in `partition`, which holds `low..<high`: nil when nothing selected is there.
    public func readRange(partition: Int32, low: Int64, high: Int64) -> Range<Int64>? {
        guard low < high else { return nil }
        guard let offsets else { return low..<high }
        let inside = (offsets[partition] ?? []).compactMap { r -> ClosedRange<Int64>? in
            let a = max(r.lowerBound, low), b = min(r.upperBound, high - 1)
            return a <= b ? a...b : nil
        }
        guard let first = inside.first, let last = inside.last else { return nil }
        return first.lowerBound..<(last.upperBound + 1)
    }

    /// Selected offsets of `partition` that are not in `low..<high` (expired from the topic, or never written);
    /// every selected offset of a partition the topic does not have when `low..<high` is nil.
    public func outside(partition: Int32, low: Int64, high: Int64) -> [ClosedRange<Int64>] {
        guard let ranges = offsets?[partition] else { return [] }
        var out = [ClosedRange<Int64>]()
        for r in ranges {
            if r.lowerBound < low { out.append(r.lowerBound...min(r.upperBound, low - 1)) }
            if r.upperBound >= high { out.append(max(r.lowerBound, high)...r.upperBound) }
        }
        return Self.merged(out)
    }

    /// Selected partitions, in order (nil: all).
    public var partitions: [Int32]? { offsets.map { $0.keys.sorted() } }

    static func merged(_ ranges: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out = [ClosedRange<Int64>]()
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let l = out.last, r.lowerBound <= l.upperBound || r.lowerBound == l.upperBound + 1 {
                out[out.count - 1] = l.lowerBound...max(l.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    private static func number(_ s: Substring) -> Int64? {
        guard !s.isEmpty, s.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(s)
    }
}

extension DeadLetterSelection: CustomStringConvertible {
    /// The selection in `--offsets` syntax (`all` when every offset), with the reason filter.
    public var description: String {
        var s = offsets.map { o in
            o.keys.sorted().flatMap { p in o[p]!.map { $0.lowerBound == $0.upperBound ? "\(p):\($0.lowerBound)" : "\(p):\($0.lowerBound)-\($0.upperBound)" } }.joined(separator: ",")
        } ?? "all"
        if let reason { s += " with reason containing '\(reason)'" }
        return s
    }
}
