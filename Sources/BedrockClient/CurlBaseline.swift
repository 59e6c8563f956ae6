import RecCore
import CCurl
import Foundation

/// A raw libcurl loop (one easy handle, keep-alive, blocking `curl_easy_perform`) used by `rec bench bedrock`
/// as the floor against which the client's per-request overhead (signing, JSON, async transport) is measured.
public enum CurlBaseline {
    /// Sends `request` `count` times back to back on a dedicated thread and reports the elapsed time.
    ///
    /// - Returns: seconds elapsed and how many responses were not HTTP 200.
    public static func run(_ request: HTTPTransportRequest, count: Int) async -> (seconds: Double, failures: Int) {
        await withCheckedContinuation { (c: CheckedContinuation<(seconds: Double, failures: Int), Never>) in
            let thread = Thread {
                c.resume(returning: runBlocking(request, count: count))
            }
            thread.name = "curl-baseline"
            thread.start()
        }
    }

    private final class Sink { var bytes = 0 }

    private static func runBlocking(_ request: HTTPTransportRequest, count: Int) -> (seconds: Double, failures: Int) {
        _ = curl_global_init(3)
        guard let h = curl_easy_init() else { return (0, count) }
        defer { curl_easy_cleanup(h) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (n, v) in request.headers { list = curl_slist_append(list, "\(n): \(v)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        let body = UnsafeMutableRawPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
        defer { body.deallocate() }
        request.body.withUnsafeBytes { if let b = $0.baseAddress { body.copyMemory(from: b, byteCount: $0.count) } }
        let sink = Sink()
        _ = ccurl_setopt_str(h, CURLOPT_URL, request.url)
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(h, CURLOPT_TCP_NODELAY, 1)
        _ = ccurl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        _ = ccurl_setopt_long(h, CURLOPT_POST, 1)
        _ = ccurl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
        _ = ccurl_setopt_ptr(h, CURLOPT_POSTFIELDS, body)
        _ = ccurl_setopt_ptr(h, CURLOPT_HTTPHEADER, UnsafeRawPointer(list))
        _ = ccurl_setopt_write(h) { _, size, n, user in
            Unmanaged<Sink>.fromOpaque(user!).takeUnretainedValue().bytes += size * n
            return size * n
        }
        _ = ccurl_setopt_ptr(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
        var failures = 0
        let start = ContinuousClock.now
        for _ in 0..<count {
            var status = 0
            if curl_easy_perform(h) != CURLE_OK { failures += 1; continue }
            _ = ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            if status != 200 { failures += 1 }
        }
        let elapsed = ContinuousClock.now - start
        withExtendedLifetime(sink) {}
        return (elapsed.seconds, failures)
    }
}
