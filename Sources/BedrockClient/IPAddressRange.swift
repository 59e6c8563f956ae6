/// A CIDR block: an address and a prefix length (`10.0.0.0/8`, `fc00::/7`).
public struct IPAddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits zero).
    public let network: IPAddress
    public let prefixLength: Int

    /// - Throws: ``BedrockError`` (`configuration`) when the prefix is longer than the address or host bits are set.
    public init(network: IPAddress, prefixLength: Int) throws(BedrockError) {
        let bits = network.bytes.count * 8
        guard (0...bits).contains(prefixLength) else {
            throw BedrockError(.configuration, "prefix length \(prefixLength) is out of range for \(network) (0...\(bits))")
        }
        guard Self.masked(network.bytes, prefixLength) == network.bytes else {
            let base = IPAddress(bytes: Self.masked(network.bytes, prefixLength))!
            throw BedrockError(.configuration, "\(network)/\(prefixLength) has host bits set; the block is \(base)/\(prefixLength)")
        }
        self.network = network
        self.prefixLength = prefixLength
    }

    /// Parses `address/prefix` strictly, or a bare address as a block of one (`/32`, `/128`).
    ///
    /// The address is ``IPAddress/init(_:)``'s text; the prefix is decimal digits without leading zeros; host bits must be zero
    /// (`10.0.0.1/8` is refused, naming `10.0.0.0/8`) so that a typo does not silently widen or move the block.
    ///
    /// - Throws: ``BedrockError`` (`configuration`) naming the text and what is wrong.
    public init(_ text: String) throws(BedrockError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else {
            throw BedrockError(.configuration, "'\(text)' is not an IPv4 or IPv6 address range (like 10.0.0.0/8 or fc00::/7)")
        }
        guard parts.count == 2 else {
            try self.init(network: address, prefixLength: address.bytes.count * 8)
            return
        }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits == "0" || digits.first != "0",
              let length = Int(digits) else {
            throw BedrockError(.configuration, "'\(text)': the prefix length must be a decimal number")
        }
        do { try self.init(network: address, prefixLength: length) } catch { throw BedrockError(.configuration, "'\(text)': \(error.message)") }
    }

    /// Whether `address` is in the block (an IPv4 address is never in an IPv6 block, nor the reverse).
    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && Self.masked(address.bytes, prefixLength) == network.bytes
    }

    public var description: String { "\(network)/\(prefixLength)" }

    static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { i, b in
            let keep = min(8, max(0, prefixLength - i * 8))
            return keep == 8 ? b : b & ~(UInt8(0xFF) >> keep)
        }
    }
}
