import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 keep-alive client for `rec-bench serve` and `rec eval --through-kafka` (loopback only): one socket, one request at a time,
/// run on its own thread so the measured server is the only thing on the cooperative pool.
public final class BenchHTTPClient {
    private var fd: Int32 = -1
    /// Received bytes; `buffer[start..<end]` is not consumed yet.
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    public let port: UInt16
    let headers: String
    /// The last response's body, when ``request(method:path:body:keepBody:)`` was asked to keep it.
    public private(set) var lastBody: [UInt8] = []

    public init(port: UInt16, headers: [(String, String)]) throws {
        self.port = port
        self.headers = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        try connectSocket()
    }

    deinit { if fd >= 0 { close(fd) } }

    private func connectSocket() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationErrorMessage("socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw ValidationErrorMessage("cannot connect to 127.0.0.1:\(port)") }
    }

    /// Sends one request and reads the whole response; returns the status code.
    ///
    /// The client shares the 2 cores with the server it measures, so it reads into one reused buffer and
    /// parses the head as bytes (a 64 KB array allocated and zeroed per read, and the head decoded as a
    /// String, was a visible share of the bench process's samples).
    public func request(method: String, path: String, body: [UInt8]? = nil, keepBody: Bool = false) throws -> Int {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var out = Array(head.utf8)
        if let body { out += body }
        var sent = 0
        while sent < out.count {
            let n = out.withUnsafeBytes { send(fd, $0.baseAddress! + sent, out.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ValidationErrorMessage("send failed") }
            sent += n
        }
        var scanned = start
        var headerEnd = -1
        while headerEnd < 0 {
            while scanned + 4 <= end {
                if buffer[scanned] == 13, buffer[scanned + 1] == 10, buffer[scanned + 2] == 13, buffer[scanned + 3] == 10 { headerEnd = scanned; break }
                scanned += 1
            }
            if headerEnd < 0 {
                let shift = start
                try fill()
                scanned -= shift - start  // fill() may have moved the unread bytes to the front
            }
        }
        let status = Self.status(buffer, from: start)
        let length = Self.contentLength(buffer, from: start, to: headerEnd)
        let total = headerEnd + 4 + length - start
        while end - start < total { try fill() }
        if keepBody { lastBody = Array(buffer[(headerEnd + 4)..<(headerEnd + 4 + length)]) }
        start += total
        if start == end { start = 0; end = 0 }
        return status
    }

    /// Reads more bytes after `end`, first moving the unread ones to the front (or growing) when full.
    private func fill() throws {
        if end == buffer.count {
            if start > 0 {
                buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start) }
                end -= start
                start = 0
            } else {
                buffer += [UInt8](repeating: 0, count: buffer.count)
            }
        }
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + end, $0.count - end, 0) }
        guard n > 0 else { throw ValidationErrorMessage("connection closed by the server") }
        end += n
    }

    /// The status code of `HTTP/1.1 200 OK` starting at `i`.
    private static func status(_ b: [UInt8], from i: Int) -> Int {
        var k = i
        while k < b.count, b[k] != 32 { k += 1 }
        var code = 0
        k += 1
        while k < b.count, (48...57).contains(b[k]) { code = code * 10 + Int(b[k] - 48); k += 1 }
        return code
    }

    /// The Content-Length header's value in the head `b[from..<to]` (0 when absent).
    private static func contentLength(_ b: [UInt8], from: Int, to: Int) -> Int {
        let name = Array("content-length:".utf8)
        var line = from
        while line < to {
            var next = line
            while next < to, b[next] != 10 { next += 1 }
            if next - line > name.count, zip(name, b[line..<(line + name.count)]).allSatisfy({ $0 == ($1 | 0x20) || $0 == $1 }) {
                var k = line + name.count, value = 0
                while k < next, b[k] == 32 { k += 1 }
                while k < next, (48...57).contains(b[k]) { value = value * 10 + Int(b[k] - 48); k += 1 }
                return value
            }
            line = next + 1
        }
        return 0
    }
}

/// A benchmark failure reported as one line.
public struct ValidationErrorMessage: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
