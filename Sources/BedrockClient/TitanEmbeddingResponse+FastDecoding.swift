#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TitanEmbeddingResponse {
    /// Decodes the common response shape without `JSONDecoder`, which spends ~0.35 ms on a 1024-float
    /// vector (the client's largest per-request cost); this scanner takes a few tens of microseconds.
    ///
    /// Accepts exactly an object with the keys `embedding` (array of numbers), `inputTextTokenCount`
    /// (integer or null) and `message` (string without escapes, or null), in any order, with any JSON
    /// whitespace. Anything else returns `nil` and the caller falls back to `JSONDecoder`, so correctness never
    /// depends on this path.
    static func decodeFast(_ bytes: [UInt8]) -> TitanEmbeddingResponse? {
        var copy = bytes
        copy.append(0) // strtof must stop inside the buffer
        return copy.withUnsafeBufferPointer { buffer -> TitanEmbeddingResponse? in
            guard let p = buffer.baseAddress else { return nil }
            let n = buffer.count - 1
            var i = 0
            var embedding: [Float]?
            var tokens: Int?
            var message: String?

            func skipWS() { while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 } }
            func consume(_ c: UInt8) -> Bool {
                skipWS()
                guard i < n, p[i] == c else { return false }
                i += 1
                return true
            }
            func literal(_ s: StaticString) -> Bool {
                let len = s.utf8CodeUnitCount
                guard i + len <= n else { return false }
                for k in 0..<len where p[i + k] != s.utf8Start[k] { return false }
                i += len
                return true
            }
            /// A string without escapes; `nil` otherwise.
            func string() -> String? {
                guard consume(0x22) else { return nil }
                let start = i
                while i < n, p[i] != 0x22 {
                    if p[i] == 0x5C || p[i] < 0x20 { return nil }
                    i += 1
                }
                guard i < n else { return nil }
                let s = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
                i += 1
                return s
            }
            /// Length of the JSON number grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `j`; 0 if none.
            func jsonNumberLength(at start: Int) -> Int {
                var j = start
                func digits() -> Int { let s = j; while j < n, p[j] >= 0x30, p[j] <= 0x39 { j += 1 }; return j - s }
                if j < n, p[j] == 0x2D { j += 1 }
                let intDigits = digits()
                guard intDigits > 0, !(intDigits > 1 && p[j - intDigits] == 0x30) else { return 0 }
                if j < n, p[j] == 0x2E {
                    j += 1
                    guard digits() > 0 else { return 0 }
                }
                if j < n, p[j] == 0x65 || p[j] == 0x45 {
                    j += 1
                    if j < n, p[j] == 0x2B || p[j] == 0x2D { j += 1 }
                    guard digits() > 0 else { return 0 }
                }
                return j - start
            }
            func number() -> Float? {
                skipWS()
                guard i < n, p[i] == 0x2D || (p[i] >= 0x30 && p[i] <= 0x39) else { return nil }
                let start = UnsafeRawPointer(p + i).assumingMemoryBound(to: CChar.self)
                var end: UnsafeMutablePointer<CChar>?
                let v = strtof(start, &end)
                guard let end else { return nil }
                let used = UnsafeRawPointer(end) - UnsafeRawPointer(start)
                // strtof also takes hex, `inf`, `nan`: require that it consumed exactly one JSON number.
                guard used > 0, used == jsonNumberLength(at: i), v.isFinite else { return nil }
                i += used
                return v
            }

            guard consume(0x7B) else { return nil }
            skipWS()
            if i < n, p[i] == 0x7D { return nil }
            repeat {
                guard let key = string(), consume(0x3A) else { return nil }
                skipWS()
                switch key {
                case "embedding":
                    guard consume(0x5B) else { return nil }
                    var values: [Float] = []
                    values.reserveCapacity(1024)
                    skipWS()
                    if i < n, p[i] == 0x5D {
                        i += 1
                    } else {
                        while true {
                            guard let v = number() else { return nil }
                            values.append(v)
                            if consume(0x2C) { continue }
                            guard consume(0x5D) else { return nil }
                            break
                        }
                    }
                    embedding = values
                case "inputTextTokenCount":
                    if literal("null") { tokens = nil; break }
                    guard let v = number(), v >= 0, v == v.rounded(), v < 1e9 else { return nil }
                    tokens = Int(v)
                case "message":
                    if literal("null") { message = nil; break }
                    guard let s = string() else { return nil }
                    message = s
                default:
                    return nil
                }
            } while consume(0x2C)
            guard consume(0x7D) else { return nil }
            skipWS()
            guard i == n, let embedding else { return nil }
            return TitanEmbeddingResponse(embedding: embedding, inputTextTokenCount: tokens, message: message)
        }
    }
}
