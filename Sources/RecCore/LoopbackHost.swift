#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a configured host name or address stays on this machine: the one rule behind `rec config check`'s
/// warnings (`REC_AUTH=off` on an address others reach; a `DATABASE_URL` whose `sslmode` does not verify a remote
/// server).
///
/// Loopback is `localhost` (and `*.localhost`, which resolvers keep on the machine, RFC 6761), an IPv4 literal in
/// 127.0.0.0/8, the IPv6 loopback `::1` in any spelling (brackets allowed), and an IPv4-mapped IPv6 literal of a
/// 127.0.0.0/8 address. A *name* that merely starts with `127.` (`127.db.example.com`) is not: it resolves anywhere.
public enum LoopbackHost {
    public static func isLoopback(_ host: String) -> Bool {
        var h = host.trimmingCharacters(in: .whitespaces).lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        if h == "localhost" || h.hasSuffix(".localhost") { return true }
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, h, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        return bytes[..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
    }
}
