#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file line by line in 1 MiB chunks, never holding more than one chunk and one line: a line over
/// ``maxLineBytes`` is reported as such (with its length) and skipped without being kept.
///
/// Lines end at `\n`; a `\r` before it is dropped. A last line without `\n` is a line; an empty file has none.
struct JSONLLineReader {
    enum Line {
        case text(ArraySlice<UInt8>)
        /// Longer than ``maxLineBytes``: `length` bytes, not kept.
        case tooLong(length: Int)
    }

    /// Default: 64 KiB. A valid record is far smaller (an S3 URI and 2,560 characters, escaped).
    let maxLineBytes: Int
    private let fd: Int32
    private var chunk: [UInt8] = []
    private var position = 0
    private var eof = false
    private var pending: [UInt8] = []
    private var overflow: Int?
    /// Bytes consumed so far (progress).
    private(set) var bytesRead = 0

    init(fd: Int32, maxLineBytes: Int = 64 * 1024) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
    }

    /// The next line, or nil at the end of the file.
    ///
    /// - Throws: ``FinetuneError`` `io` when a read fails.
    mutating func next() throws(FinetuneError) -> Line? {
        while true {
            if position < chunk.count {
                let start = position
                if let nl = chunk[start...].firstIndex(of: 0x0A) {
                    position = nl + 1
                    return finish(chunk[start..<nl])
                }
                position = chunk.count
                append(chunk[start...])
                continue
            }
            if eof {
                if overflow != nil || !pending.isEmpty { return finish([]) }
                return nil
            }
            try fill()
        }
    }

    private mutating func append(_ part: ArraySlice<UInt8>) {
        if let o = overflow { overflow = o + part.count; return }
        if pending.count + part.count > maxLineBytes {
            overflow = pending.count + part.count
            pending = []
        } else {
            pending += part
        }
    }

    private mutating func finish(_ tail: ArraySlice<UInt8>) -> Line {
        var line: ArraySlice<UInt8>
        if let o = overflow {
            overflow = nil
            return .tooLong(length: o + tail.count)
        } else if pending.isEmpty {
            line = tail
        } else {
            pending += tail
            line = pending[...]
            pending = []
        }
        if line.count > maxLineBytes { return .tooLong(length: line.count) }
        if line.last == 0x0D { line = line.dropLast() }
        return .text(line)
    }

    private mutating func fill() throws(FinetuneError) {
        chunk = [UInt8](repeating: 0, count: 1 << 20)
        var n: Int
        repeat {
            n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        } while n < 0 && errno == EINTR
        guard n >= 0 else { throw FinetuneError(.io, "read failed: \(String(cString: strerror(errno)))") }
        chunk.removeSubrange(n...)
        position = 0
        bytesRead += n
        if n == 0 { eof = true }
    }
}
