/// Encodes `Encodable` values as compact JSON with sorted keys: for a document ``JSONValue`` can hold, the
/// very bytes ``JSONValue/encoded()`` writes (same number formatting: integral numbers without a fraction,
/// non-finite numbers as `null`; same string escapes).
///
/// Responses and events are written straight into one buffer as the values encode themselves, with no
/// intermediate tree (Foundation's `JSONEncoder` builds one, and dominated response time). Keys come out
/// sorted: members a type encodes in key order cost nothing extra, others are reordered when their object
/// closes. An `Optional` member that is `nil` is left out, as synthesized `Encodable` conformances do; a
/// member that is `null` when absent is ``Nullable``.
///
/// Containers nest as values nest: a nested container (`nestedContainer`, `superEncoder`) must be filled
/// before its parent container is written to again, which every synthesized conformance does.
public struct CompactJSONEncoder: Sendable {
    public init() {}

    /// The JSON text of `value`.
    ///
    /// - Throws: `EncodingError.invalidValue` when a container is written to after its parent moved on.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = CompactJSONWriter()
        try writer.encodeValue(value, depth: 0)
        return writer.out
    }
}

/// The `Encoder` behind ``CompactJSONEncoder``: hands out containers over one ``State``.
///
/// The state lives behind a pointer the writer owns, not in stored properties: every member written
/// touches it several times, and a class's stored properties would pay a dynamic exclusivity check
/// each time (~40 % of the encoding time).
final class CompactJSONWriter: Encoder {
    /// The output and the stack of open containers.
    struct State {
        struct Frame {
            var isObject: Bool
            var count = 0
            /// Where the container's members start in `out` (after `{` or `[`).
            var contentStart: Int
            /// Where this object's members start in `segments`.
            var segmentBase: Int
            var lastKey = ""
            var sorted = true
        }

        var out: [UInt8] = []
        var frames: [Frame] = []
        /// Each open object's members: key and where the member (its key) starts in `out`.
        var segments: [(key: String, start: Int)] = []
        /// A value slot is open (after a key, an array comma, or at the top) and nothing filled it yet.
        var awaitingValue = false

        /// Opens a container for the awaited value; a value asking for its container again gets the open one.
        mutating func open(object: Bool) {
            guard awaitingValue else { return }
            awaitingValue = false
            out.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
            frames.append(Frame(isObject: object, contentStart: out.count, segmentBase: segments.count))
        }

        /// Fills an unfilled slot with `{}` (what an `Encodable` that encodes nothing is) and closes the
        /// containers opened inside the container at `depth`.
        ///
        /// - Throws: `EncodingError.invalidValue` when that container was closed already.
        mutating func settle(_ depth: Int) throws {
            if awaitingValue {
                out.append(contentsOf: "{}".utf8)
                awaitingValue = false
            }
            while frames.count > depth { close() }
            guard frames.count == depth else {
                throw EncodingError.invalidValue((), .init(codingPath: [], debugDescription: "a JSON container was written to after its parent moved on"))
            }
        }

        private mutating func close() {
            let frame = frames.removeLast()
            guard frame.isObject else { out.append(UInt8(ascii: "]")); return }
            if !frame.sorted { reorderMembers(of: frame) }
            segments.removeSubrange(frame.segmentBase...)
            out.append(UInt8(ascii: "}"))
        }

        /// Rewrites an object's members in key order (a stable sort: a key written twice keeps both, in order).
        private mutating func reorderMembers(of frame: Frame) {
            let members = segments[frame.segmentBase...]
            let ends = members.dropFirst().map { $0.start - 1 } + [out.count]  // - 1: the comma before the next member
            let ranges = zip(members, ends).map { (key: $0.key, bytes: $0.start..<$1) }
            let order = ranges.indices.sorted { a, b in ranges[a].key != ranges[b].key ? ranges[a].key < ranges[b].key : a < b }
            var sorted = [UInt8]()
            sorted.reserveCapacity(out.count - frame.contentStart)
            for (n, i) in order.enumerated() {
                if n > 0 { sorted.append(UInt8(ascii: ",")) }
                sorted.append(contentsOf: out[ranges[i].bytes])
            }
            out.replaceSubrange(frame.contentStart..., with: sorted)
        }

        /// Starts a member of the object at `depth`: its comma, key and colon.
        mutating func beginMember(_ key: String, depth: Int) throws {
            try settle(depth)
            let top = frames.count - 1
            if frames[top].count > 0 {
                out.append(UInt8(ascii: ","))
                if !(frames[top].lastKey < key) { frames[top].sorted = false }
            }
            frames[top].count += 1
            frames[top].lastKey = key
            segments.append((key, out.count))
            JSONValue.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
        }

        /// Starts an element of the array at `depth`: its comma.
        mutating func beginElement(depth: Int) throws {
            try settle(depth)
            let top = frames.count - 1
            if frames[top].count > 0 { out.append(UInt8(ascii: ",")) }
            frames[top].count += 1
        }

        mutating func writeNil() { out.append(contentsOf: "null".utf8) }
        mutating func write(_ b: Bool) { out.append(contentsOf: (b ? "true" : "false").utf8) }
        mutating func write(_ s: String) { JSONValue.writeString(s, to: &out) }
        mutating func write(_ n: Double) { JSONValue.writeNumber(n, to: &out) }
        mutating func write(_ n: Float) {
            // Integral values as integers, others as the Float's own shortest text (not its Double widening).
            if n.isFinite, n == n.rounded(), abs(n) < 1e15 { write(Double(n)) } else if n.isFinite { out.append(contentsOf: n.description.utf8) } else { writeNil() }
        }
        mutating func write<I: FixedWidthInteger>(_ n: I) { out.append(contentsOf: String(n).utf8) }
    }

    let state: UnsafeMutablePointer<State>

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        state.pointee.out.reserveCapacity(1024)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var out: [UInt8] { state.pointee.out }

    /// Writes `value` into the open slot at `depth` (the number of containers around it).
    func encodeValue<T: Encodable>(_ value: T, depth: Int) throws {
        state.pointee.awaitingValue = true
        try value.encode(to: self)
        try state.pointee.settle(depth)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        state.pointee.open(object: true)
        return KeyedEncodingContainer(KeyedWriter<Key>(writer: self, depth: state.pointee.frames.count))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        state.pointee.open(object: false)
        return UnkeyedWriter(writer: self, depth: state.pointee.frames.count)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueWriter(writer: self, depth: state.pointee.frames.count)
    }

    /// Opens a member's value slot for a nested container or encoder (which cannot throw: a misuse
    /// surfaces at the next write to either container).
    func slot(forMember key: String, depth: Int) -> CompactJSONWriter {
        try? state.pointee.beginMember(key, depth: depth)
        state.pointee.awaitingValue = true
        return self
    }

    /// Opens an element's value slot, as ``slot(forMember:depth:)`` does a member's.
    func elementSlot(depth: Int) -> CompactJSONWriter {
        try? state.pointee.beginElement(depth: depth)
        state.pointee.awaitingValue = true
        return self
    }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: CompactJSONWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    func encodeNil(forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.writeNil() }
    func encode(_ value: Bool, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: String, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Double, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Float, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Int, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Int8, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Int16, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Int32, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: Int64, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: UInt, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: UInt8, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: UInt16, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: UInt32, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode(_ value: UInt64, forKey key: Key) throws { try writer.state.pointee.beginMember(key.stringValue, depth: depth); writer.state.pointee.write(value) }
    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.state.pointee.beginMember(key.stringValue, depth: depth)
        try writer.encodeValue(value, depth: depth)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        writer.slot(forMember: key.stringValue, depth: depth).container(keyedBy: keyType)
    }
    func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.slot(forMember: key.stringValue, depth: depth).unkeyedContainer()
    }
    func superEncoder() -> any Encoder { writer.slot(forMember: "super", depth: depth) }
    func superEncoder(forKey key: Key) -> any Encoder { writer.slot(forMember: key.stringValue, depth: depth) }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let writer: CompactJSONWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { writer.state.pointee.frames.count >= depth ? writer.state.pointee.frames[depth - 1].count : 0 }

    mutating func encodeNil() throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.writeNil() }
    mutating func encode(_ value: Bool) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: String) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Double) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Float) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int8) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int16) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int32) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int64) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt8) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt16) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt32) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt64) throws { try writer.state.pointee.beginElement(depth: depth); writer.state.pointee.write(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.state.pointee.beginElement(depth: depth)
        try writer.encodeValue(value, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        writer.elementSlot(depth: depth).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { writer.elementSlot(depth: depth).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { writer.elementSlot(depth: depth) }
}

private struct SingleValueWriter: SingleValueEncodingContainer {
    let writer: CompactJSONWriter
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    /// Claims the awaited slot (a value encodes one thing).
    private func claim() throws {
        guard writer.state.pointee.awaitingValue, writer.state.pointee.frames.count == depth else {
            throw EncodingError.invalidValue((), .init(codingPath: [], debugDescription: "a single value container was written to twice"))
        }
        writer.state.pointee.awaitingValue = false
    }

    mutating func encodeNil() throws { try claim(); writer.state.pointee.writeNil() }
    mutating func encode(_ value: Bool) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: String) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Double) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Float) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int8) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int16) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int32) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: Int64) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt8) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt16) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt32) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode(_ value: UInt64) throws { try claim(); writer.state.pointee.write(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        guard writer.state.pointee.awaitingValue, writer.state.pointee.frames.count == depth else { try claim(); return }
        try writer.encodeValue(value, depth: depth)
    }
}
