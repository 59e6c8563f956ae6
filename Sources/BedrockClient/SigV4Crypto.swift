import COpenSSL

/// SHA-256 and HMAC-SHA256 through OpenSSL's one-shot functions.
///
/// One-shot calls keep no state between requests, so the signer stays a plain value that any
/// thread can use at once.
enum SigV4Crypto {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                _ = SHA256(b.baseAddress, b.count, o.baseAddress)
            }
        }
        return out
    }

    static func sha256<S: StringProtocol>(_ string: S) -> [UInt8] { sha256(Array(string.utf8)) }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 32
        key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, o.baseAddress, &outLength)
                }
            }
        }
        return out
    }

    static func hmacSHA256(key: [UInt8], _ string: String) -> [UInt8] { hmacSHA256(key: key, data: Array(string.utf8)) }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var chars = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            chars[2 * i] = hexDigits[Int(b >> 4)]
            chars[2 * i + 1] = hexDigits[Int(b & 0x0f)]
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Compares without an early exit, so response time does not reveal how many leading bytes matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Cryptographically random bytes (for jitter seeds and test secrets).
    static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { _ = RAND_bytes($0.baseAddress, Int32(count)) }
        return out
    }
}
