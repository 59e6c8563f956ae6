import CCurl
import Foundation

/// libcurl's one-time global initialization; Swift runs a global's initializer exactly once, thread-safely.
private let curlGlobalInit: Void = {
    _ = curl_global_init(3) // CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32 (CURL_GLOBAL_DEFAULT)
}()

/// An ``HTTPTransport`` over one libcurl multi handle driven by one dedicated thread.
///
/// All sockets are multiplexed by `curl_multi_poll` on that thread, so any number of requests can be in flight
/// while Swift's cooperative pool never blocks; callers suspend on a continuation. The multi handle keeps a
/// connection cache (keep-alive, TLS session reuse) shared by every request, and finished easy handles are
/// reset and reused.
public final class CurlHTTPTransport: HTTPTransport, @unchecked Sendable {
    private let loop: CurlMultiLoop

    /// - Parameter maxConnections: upper bound of cached connections (keep-alive). Default: 64.
    public init(maxConnections: Int = 64) {
        _ = curlGlobalInit
        loop = CurlMultiLoop(maxConnections: maxConnections)
        loop.start()
    }

    deinit { loop.stop() }

    public func send(_ request: HTTPTransportRequest) async throws(BedrockError) -> HTTPTransportResponse {
        let job = CurlJob(request: request)
        let loop = self.loop
        let result: Result<HTTPTransportResponse, BedrockError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Result<HTTPTransportResponse, BedrockError>, Never>) in
                job.continuation = c
                loop.submit(job)
            }
        } onCancel: {
            loop.cancel(job)
        }
        return try result.get()
    }
}

/// One request's state, owned by the curl thread once submitted.
final class CurlJob: @unchecked Sendable {
    let request: HTTPTransportRequest
    var continuation: CheckedContinuation<Result<HTTPTransportResponse, BedrockError>, Never>?
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var headerList: UnsafeMutablePointer<curl_slist>?
    var bodyBuffer: UnsafeMutableRawPointer?
    /// Set under the loop's lock by `cancel`.
    var cancelled = false
    /// The body outgrew `request.maxResponseBytes` and the transfer was aborted.
    var exceededLimit = false
    /// The latest address `request.addressPolicy` refused, and the connections it allowed, since the last response
    /// began (a redirect hop starts afresh): a failed connect is reported as refused when nothing was allowed.
    var refusal: String?
    var allowedConnects = 0

    init(request: HTTPTransportRequest) { self.request = request }

    func finish(_ result: Result<HTTPTransportResponse, BedrockError>) {
        if let headerList { curl_slist_free_all(headerList); self.headerList = nil }
        if let bodyBuffer { bodyBuffer.deallocate(); self.bodyBuffer = nil }
        let c = continuation
        continuation = nil
        c?.resume(returning: result)
    }
}

/// The dedicated thread and its multi handle.
final class CurlMultiLoop: @unchecked Sendable {
    private enum Command { case add(CurlJob), cancel(CurlJob) }

    private let lock = NSLock()
    private var commands: [Command] = []
    private var stopping = false
    private let multi: UnsafeMutableRawPointer
    /// Shares TLS sessions and DNS answers among the easy handles (all used on the loop thread only, so no locks).
    private let share: UnsafeMutableRawPointer?
    // Touched only on the loop thread:
    private var active: [UnsafeMutableRawPointer: CurlJob] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    init(maxConnections: Int) {
        multi = curl_multi_init()
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, maxConnections))
        share = curl_share_init()
        if let share {
            _ = ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
            _ = ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "bedrock-curl"
        thread.start()
    }

    func stop() {
        lock.lock(); stopping = true; lock.unlock()
        curl_multi_wakeup(multi)
    }

    func submit(_ job: CurlJob) {
        lock.lock(); commands.append(.add(job)); lock.unlock()
        curl_multi_wakeup(multi)
    }

    func cancel(_ job: CurlJob) {
        lock.lock(); job.cancelled = true; commands.append(.cancel(job)); lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let pending = commands
            commands.removeAll(keepingCapacity: true)
            let stop = stopping
            lock.unlock()
            if stop {
                for case .add(let job) in pending { job.finish(.failure(BedrockError(.cancelled, "transport shut down"))) }
                break
            }
            for command in pending {
                switch command {
                case .add(let job): add(job)
                case .cancel(let job):
                    if let (handle, _) = active.first(where: { $0.value === job }) {
                        release(handle)
                        job.finish(.failure(BedrockError(.cancelled, "request cancelled")))
                    }
                }
            }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let msg = curl_multi_info_read(multi, &queued) {
                guard msg.pointee.msg == CURLMSG_DONE, let handle = msg.pointee.easy_handle else { continue }
                let code = msg.pointee.data.result
                guard let job = active[handle] else { continue }
                var status = 0
                _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                release(handle)
                if job.exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
                    job.finish(.failure(BedrockError(.responseTooLarge, "response larger than \(job.request.maxResponseBytes ?? 0) bytes")))
                } else if let refusal = job.refusal, code == CURLE_ABORTED_BY_CALLBACK || (code == CURLE_COULDNT_CONNECT && job.allowedConnects == 0) {
                    job.finish(.failure(BedrockError(.destinationRefused, refusal)))
                } else if job.request.addressPolicy != nil, code == CURLE_UNSUPPORTED_PROTOCOL {
                    job.finish(.failure(BedrockError(.destinationRefused, "only http and https URLs are allowed, on redirects too")))
                } else if code == CURLE_OK {
                    job.finish(.success(HTTPTransportResponse(status: status, headers: job.headers, body: job.body)))
                } else {
                    job.finish(.failure(Self.mapError(code, url: job.request.url)))
                }
            }
            var numfds: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &numfds)
        }
        for handle in Array(active.keys) {
            let job = active[handle]
            release(handle)
            job?.finish(.failure(BedrockError(.cancelled, "transport shut down")))
        }
        for h in idleHandles { curl_easy_cleanup(h) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        if let share { curl_share_cleanup(share) }
    }

    private func release(_ handle: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, handle)
        active[handle] = nil
        curl_easy_reset(handle)
        idleHandles.append(handle)
    }

    private func add(_ job: CurlJob) {
        lock.lock(); let cancelled = job.cancelled; lock.unlock()
        if cancelled { job.finish(.failure(BedrockError(.cancelled, "request cancelled"))); return }
        guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
            job.finish(.failure(BedrockError(.transport, "curl_easy_init failed")))
            return
        }
        let r = job.request
        _ = ccurl_setopt_str(handle, CURLOPT_URL, r.url)
        _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        if let share { _ = ccurl_setopt_share(handle, share) }
        _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(r.timeout * 1000)))
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(r.connectTimeout * 1000)))
        if let limit = r.maxResponseBytes {
            // Refuses early when Content-Length already says too much; the write callback covers the rest.
            _ = ccurl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit))
        }
        if r.followRedirects {
            _ = ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            _ = ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 5)
        }
        switch r.method {
        case "GET": _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "POST": _ = ccurl_setopt_long(handle, CURLOPT_POST, 1)
        // A HEAD answer's Content-Length announces a body that never comes: NOBODY tells libcurl not to wait for it.
        case "HEAD": _ = ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            _ = ccurl_setopt_long(handle, CURLOPT_POST, r.body.isEmpty ? 0 : 1)
            _ = ccurl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, r.method)
        }
        if r.method != "GET" && r.method != "HEAD" {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, r.body.count), alignment: 1)
            r.body.withUnsafeBytes { if let base = $0.baseAddress { buffer.copyMemory(from: base, byteCount: $0.count) } }
            job.bodyBuffer = buffer
            _ = ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count))
            _ = ccurl_setopt_ptr(handle, CURLOPT_POSTFIELDS, buffer)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in r.headers { list = curl_slist_append(list, "\(name): \(value)") }
        // No `Expect: 100-continue` round trip for large image bodies.
        list = curl_slist_append(list, "Expect:")
        job.headerList = list
        _ = ccurl_setopt_ptr(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(list))
        let opaque = Unmanaged.passUnretained(job).toOpaque()
        _ = ccurl_setopt_write(handle) { ptr, size, count, user in
            let job = Unmanaged<CurlJob>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let limit = job.request.maxResponseBytes, job.body.count + n > limit {
                job.exceededLimit = true
                return 0 // aborts the transfer (CURLE_WRITE_ERROR)
            }
            if let ptr, n > 0 {
                ptr.withMemoryRebound(to: UInt8.self, capacity: n) { job.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            }
            return n
        }
        _ = ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, opaque)
        _ = ccurl_setopt_header(handle) { ptr, size, count, user in
            let job = Unmanaged<CurlJob>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            guard let ptr, n > 0 else { return n }
            // Trimmed as bytes (HTTP's optional whitespace and the line end are ASCII): this
            // runs on the one transfer thread for every header of every response.
            ptr.withMemoryRebound(to: UInt8.self, capacity: n) { start in
                let bytes = UnsafeBufferPointer(start: start, count: n)
                func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
                var lower = 0, upper = n
                while lower < upper, isSpace(bytes[lower]) { lower += 1 }
                while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
                let line = bytes[lower..<upper]
                if line.starts(with: "HTTP/".utf8) {
                    job.headers.removeAll() // a new response (after 100 Continue or a redirect)
                    job.refusal = nil
                    job.allowedConnects = 0
                } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                    var valueStart = colon + 1
                    while valueStart < upper, isSpace(bytes[valueStart]) { valueStart += 1 }
                    job.headers.append((String(decoding: bytes[lower..<colon], as: UTF8.self),
                                        String(decoding: bytes[valueStart..<upper], as: UTF8.self)))
                }
            }
            return n
        }
        _ = ccurl_setopt_ptr(handle, CURLOPT_HEADERDATA, opaque)
        if r.addressPolicy != nil { restrict(handle, opaque) }
        active[handle] = job
        curl_multi_add_handle(multi, handle)
    }

    /// Applies the request's ``AddressPolicy`` where libcurl decides where to connect, so that it holds for the
    /// addresses actually used: the open-socket callback sees each resolved address before any packet is sent
    /// (every redirect hop, every address tried), and the pre-request callback sees the connection a request is
    /// about to use, including one reused from the cache that an unrestricted request (Bedrock, credentials)
    /// opened. DNS rebinding gains nothing: what is checked is what is connected to. Proxies are disabled, since
    /// the check would otherwise see only the proxy, and only http/https are allowed, on redirects too.
    private func restrict(_ handle: UnsafeMutableRawPointer, _ opaque: UnsafeMutableRawPointer) {
        _ = ccurl_setopt_str(handle, CURLOPT_NOPROXY, "*")
        _ = ccurl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = ccurl_setopt_str(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = ccurl_setopt_opensocket(handle) { user, _, address in
            let job = Unmanaged<CurlJob>.fromOpaque(user!).takeUnretainedValue()
            guard let address else { return CURL_SOCKET_BAD }
            var raw = [UInt8](repeating: 0, count: 16)
            let count = Int(ccurl_sockaddr_ip(address, &raw))
            guard let ip = IPAddress(bytes: Array(raw.prefix(count))) else {
                job.refusal = "only IPv4 and IPv6 destinations are allowed"
                return CURL_SOCKET_BAD
            }
            if let reason = job.request.addressPolicy?.refusal(ip) {
                job.refusal = reason
                return CURL_SOCKET_BAD
            }
            job.allowedConnects += 1
            return ccurl_open_socket(address)
        }
        _ = ccurl_setopt_ptr(handle, CURLOPT_OPENSOCKETDATA, opaque)
        _ = ccurl_setopt_prereq(handle) { user, primaryIP, _, _, _ in
            let job = Unmanaged<CurlJob>.fromOpaque(user!).takeUnretainedValue()
            let text = primaryIP.map { String(cString: $0) } ?? ""
            guard let ip = IPAddress(String(text.prefix { $0 != "%" })) else {
                job.refusal = "the destination address is unknown"
                return Int32(CURL_PREREQFUNC_ABORT)
            }
            if let reason = job.request.addressPolicy?.refusal(ip) {
                job.refusal = reason
                return Int32(CURL_PREREQFUNC_ABORT)
            }
            return Int32(CURL_PREREQFUNC_OK)
        }
        _ = ccurl_setopt_ptr(handle, CURLOPT_PREREQDATA, opaque)
    }

    static func mapError(_ code: CURLcode, url: String) -> BedrockError {
        let text = String(cString: curl_easy_strerror(code))
        let host = URLComponents(string: url)?.host ?? "endpoint"
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return BedrockError(.dnsFailure, "could not resolve \(host): \(text)")
        case CURLE_COULDNT_CONNECT:
            return BedrockError(.connectFailure, "could not connect to \(host): \(text)")
        case CURLE_OPERATION_TIMEDOUT:
            return BedrockError(.timeout, "request to \(host) timed out: \(text)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_CRL_BADFILE:
            return BedrockError(.tlsFailure, "TLS failure with \(host): \(text)")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return BedrockError(.connectionReset, "connection to \(host) was reset or closed: \(text)")
        default:
            return BedrockError(.transport, "transport failure with \(host): \(text) (curl \(code.rawValue))")
        }
    }
}
