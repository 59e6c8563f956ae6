#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests and benchmarks: POSIX sockets, one dedicated thread per
/// connection (so handler delays never touch Swift's cooperative pool), keep-alive, and fault injection
/// (connection reset, close without answer).
///
/// Descriptor ownership: the accept thread alone closes the listening socket and each connection thread alone
/// closes its connection, both under ``lock``; ``shutdown()`` only calls `shutdown(2)`, under the same lock, on
/// descriptors still registered. The kernel hands out the lowest free descriptor number, so a number closed by
/// one thread and then used by another would reach whatever socket took that number meanwhile: in a parallel
/// test run, another test's listening socket or connection.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// A received request.
    public struct Request: Sendable {
        public var method: String
        /// The path as received (still percent-encoded).
        public var rawPath: String
        public var rawQuery: String?
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// What to do with a request.
    public enum Reply: Sendable {
        /// Answer after `delay` seconds.
        case respond(status: Int, headers: [(name: String, value: String)], body: [UInt8], delay: Double = 0)
        /// Abort the connection with a TCP reset (SO_LINGER 0), without answering.
        case reset
        /// Close the connection without answering.
        case close
    }

    /// The bound port.
    public let port: Int
    private let listenFD: Int32
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    /// Open connections; a connection thread removes (and closes) its own under ``lock``.
    private var connectionFDs: Set<Int32> = []
    /// Whether the accept thread has closed ``listenFD`` (under ``lock``); after that the number is not ours.
    private var listenClosed = false
    private var stopped = false

    /// Starts listening on an ephemeral loopback port.
    ///
    /// - Throws: `POSIXError` when the socket cannot be bound.
    public init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 512) == 0 else {
            let e = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: e) ?? .EIO)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listenFD = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "loopback-accept"
        thread.start()
    }

    deinit { shutdown() }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting and ends every open connection (a handler already running finishes, its answer is dropped).
    ///
    /// Only wakes the threads (`shutdown(2)`); each closes its own descriptor, so no number is closed twice or
    /// touched after the kernel may have given it to another socket.
    public func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        stopped = true
        if !listenClosed { Glibc.shutdown(listenFD, Int32(SHUT_RDWR)) }
        for fd in connectionFDs { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer {
            lock.lock()
            listenClosed = true
            close(listenFD)
            lock.unlock()
        }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            lock.lock()
            if stopped { lock.unlock(); close(fd); return }
            connectionFDs.insert(fd)
            lock.unlock()
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in serve(fd) }
            thread.name = "loopback-conn"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        defer {
            lock.lock()
            connectionFDs.remove(fd)
            close(fd)
            lock.unlock()
        }
        while true {
            // Read the head.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = Self.find(buffer, [13, 10, 13, 10])
                if headEnd != nil { break }
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
                // Not HTTP (e.g. a TLS ClientHello, 0x16): answer like a plain HTTP server does, then close.
                if let first = buffer.first, !(0x41...0x5A).contains(first) {
                    let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                    _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    return
                }
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count >= 2 else { return }
            var headers: [(name: String, value: String)] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            while buffer.count < length {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
            }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            let target = String(requestLine[1])
            var path = target, query: String?
            if let q = target.firstIndex(of: "?") {
                path = String(target[..<q])
                query = String(target[target.index(after: q)...])
            }
            let request = Request(method: String(requestLine[0]), rawPath: path, rawQuery: query, headers: headers, body: body)
            lock.lock(); let stopping = stopped; lock.unlock()
            if stopping { return }
            switch handler(request) {
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                return
            case .close:
                return
            case .respond(let status, let extra, let responseBody, let delay):
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                var out = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(responseBody.count)\r\n"
                for (n, v) in extra { out += "\(n): \(v)\r\n" }
                out += "\r\n"
                var bytes = Array(out.utf8)
                // HEAD: the headers a GET would get (Content-Length included), no body.
                if request.method != "HEAD" { bytes.append(contentsOf: responseBody) }
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { return }
                    sent += n
                }
                if request.header("connection")?.lowercased() == "close" { return }
            }
        }
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 424: "Failed Dependency"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
