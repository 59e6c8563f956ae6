import Foundation

/// Which network addresses a request may connect to: public unicast only, except for explicitly allowed ranges.
///
/// Set on an ``HTTPTransportRequest`` (image downloads: URLs from catalog events), it is checked by
/// ``CurlHTTPTransport`` against every address a connection is opened to, after DNS and on every redirect hop, and
/// against reused connections, so neither a host name that resolves (or re-resolves) to an internal address nor a
/// redirect reaches one. Refused: the ranges of ``Category`` (IANA's special-purpose registries) in IPv4 and IPv6,
/// and IPv6 forms that carry such an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`); IPv6 outside global unicast `2000::/3` is reserved.
public struct AddressPolicy: Sendable {
    /// Why an address is not a public destination.
    public enum Category: String, Sendable, CustomStringConvertible {
        /// `127.0.0.0/8`, `::1`.
        case loopback
        /// `169.254.0.0/16` (including the cloud instance-metadata address 169.254.169.254), `fe80::/10`.
        case linkLocal = "link-local"
        /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `fc00::/7`, site-local `fec0::/10`, local-use NAT64 `64:ff9b:1::/48`.
        case `private`
        /// `100.64.0.0/10`: carrier-grade NAT, private to the provider's network.
        case sharedAddressSpace = "shared address space, CGNAT"
        /// `224.0.0.0/4`, `ff00::/8`.
        case multicast
        /// `0.0.0.0/8` ("this network"), `::`.
        case unspecified
        /// `255.255.255.255`.
        case broadcast
        /// `240.0.0.0/4`, protocol assignments, documentation, benchmarking, 6to4 relay; IPv6 outside `2000::/3`,
        /// `2001::/23`, `2001:db8::/32`, `3fff::/20`, `5f00::/16`.
        case reserved

        public var description: String { rawValue }
    }

    /// Ranges connected to despite their category (a loopback image server in the local stack, an internal CDN).
    /// Default: none.
    public var allowed: [IPAddressRange]

    /// Public unicast addresses only.
    public static let publicOnly = AddressPolicy(allowed: [])

    public init(allowed: [IPAddressRange] = []) {
        self.allowed = allowed
    }

    /// Parses a comma-separated allow-list of CIDR blocks or single addresses (`127.0.0.0/8, ::1`); blanks are ignored.
    ///
    /// - Throws: ``BedrockError`` (`configuration`) naming the first entry that is not a block (see ``IPAddressRange/init(_:)``).
    public init(allowList text: String) throws(BedrockError) {
        var ranges: [IPAddressRange] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { ranges.append(try IPAddressRange(trimmed)) }
        }
        self.init(allowed: ranges)
    }

    /// Nil when a connection to `address` is allowed; otherwise the reason, e.g.
    /// `address 10.0.0.1 is not allowed (private)`.
    public func refusal(_ address: IPAddress) -> String? {
        let candidates = [address] + (address.unmappedIPv4.map { [$0] } ?? [])
        if allowed.contains(where: { range in candidates.contains { range.contains($0) } }) { return nil }
        guard let (category, form) = Self.classify(address) else { return nil }
        return "address \(address) is not allowed (\(category)\(form.map { ", \($0)" } ?? ""))"
    }

    /// The special-purpose category of `address`; nil for public unicast.
    public static func category(of address: IPAddress) -> Category? { classify(address)?.category }

    /// The category and, for an IPv4 address inside an IPv6 one, which form carried it.
    static func classify(_ address: IPAddress) -> (category: Category, form: String?)? {
        let b = address.bytes
        if b.count == 4 { return v4Category(b).map { ($0, nil) } }
        if b.allSatisfy({ $0 == 0 }) { return (.unspecified, nil) }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return (.loopback, nil) }
        let embedded: (form: String, v4: ArraySlice<UInt8>, publicIsAllowed: Bool)?
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            embedded = ("IPv4-mapped", b[12..<16], true)
        } else if b[0..<12].allSatisfy({ $0 == 0 }) {
            embedded = ("IPv4-compatible", b[12..<16], false) // deprecated: never a real destination
        } else if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            embedded = ("NAT64", b[12..<16], true)
        } else if b[0] == 0x20 && b[1] == 0x02 {
            embedded = ("6to4", b[2..<6], true)
        } else {
            embedded = nil
        }
        if let embedded {
            if let c = v4Category(Array(embedded.v4)) { return (c, embedded.form) }
            return embedded.publicIsAllowed ? nil : (.reserved, embedded.form)
        }
        for (range, category) in v6Table where range.contains(address) { return (category, nil) }
        // Everything outside global unicast 2000::/3 is unassigned or special.
        return b[0] & 0xE0 == 0x20 ? nil : (.reserved, nil)
    }

    private static func v4Category(_ b: [UInt8]) -> Category? {
        let address = IPAddress(bytes: b)!
        for (range, category) in v4Table where range.contains(address) { return category }
        return nil
    }

    /// Most specific first (the broadcast address is inside 240.0.0.0/4).
    private static let v4Table: [(IPAddressRange, Category)] = table([
        ("0.0.0.0/8", .unspecified), ("10.0.0.0/8", .private), ("100.64.0.0/10", .sharedAddressSpace),
        ("127.0.0.0/8", .loopback), ("169.254.0.0/16", .linkLocal), ("172.16.0.0/12", .private),
        ("192.0.0.0/24", .reserved), ("192.0.2.0/24", .reserved), ("192.88.99.0/24", .reserved),
        ("192.168.0.0/16", .private), ("198.18.0.0/15", .reserved), ("198.51.100.0/24", .reserved),
        ("203.0.113.0/24", .reserved), ("224.0.0.0/4", .multicast), ("255.255.255.255/32", .broadcast),
        ("240.0.0.0/4", .reserved),
    ])

    /// Special blocks beyond the embedded-IPv4 forms; the rest of IPv6 outside 2000::/3 is reserved.
    private static let v6Table: [(IPAddressRange, Category)] = table([
        ("64:ff9b:1::/48", .private), ("2001::/23", .reserved), ("2001:db8::/32", .reserved), ("3fff::/20", .reserved),
        ("5f00::/16", .reserved), ("fc00::/7", .private), ("fe80::/10", .linkLocal), ("fec0::/10", .private),
        ("ff00::/8", .multicast),
    ])

    private static func table(_ entries: [(String, Category)]) -> [(IPAddressRange, Category)] {
        entries.map { (try! IPAddressRange($0.0), $0.1) }
    }
}
