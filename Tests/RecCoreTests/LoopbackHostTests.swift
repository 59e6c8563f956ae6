import Testing
@testable import RecCore

/// The one loopback rule of `rec config check`'s warnings: addresses and the names that stay on the machine,
/// nothing that only looks like them.
@Suite struct LoopbackHostTests {
    @Test(arguments: ["localhost", "LOCALHOST", "localhost.", "db.localhost", "127.0.0.1", "127.1.2.3", "127.255.255.254",
                      "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:127.9.9.9]", " 127.0.0.1 "])
    func loopback(_ host: String) {
        #expect(LoopbackHost.isLoopback(host), "\(host)")
    }

    @Test(arguments: ["127.db.example.com", "127.0.0.1.example.com", "localhost.example.com", "mylocalhost", "0.0.0.0", "::",
                      "128.0.0.1", "10.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1", "", "[::1", "db"])
    func notLoopback(_ host: String) {
        #expect(!LoopbackHost.isLoopback(host), "\(host)")
    }
}
