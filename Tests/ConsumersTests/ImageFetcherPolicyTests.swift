import BedrockClient
import Foundation
import Testing
@testable import Consumers

/// The image fetcher's address policy as pure classification (no traffic), its allow-list syntax, and the
/// `file://` directory rule.
@Suite struct ImageFetcherAddressPolicyTests {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test(arguments: [
        // IPv4: each special block's first and last address, and the public neighbours just outside it.
        ("0.0.0.0", .unspecified), ("0.255.255.255", .unspecified), ("1.0.0.0", nil),
        ("9.255.255.255", nil), ("10.0.0.0", .private), ("10.0.0.1", .private), ("10.255.255.255", .private), ("11.0.0.0", nil),
        ("100.63.255.255", nil), ("100.64.0.0", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace), ("100.128.0.0", nil),
        ("126.255.255.255", nil), ("127.0.0.0", .loopback), ("127.0.0.1", .loopback), ("127.255.255.255", .loopback), ("128.0.0.0", nil),
        ("169.253.255.255", nil), ("169.254.0.0", .linkLocal), ("169.254.169.254", .linkLocal), ("169.254.255.255", .linkLocal), ("169.255.0.0", nil),
        ("172.15.255.255", nil), ("172.16.0.0", .private), ("172.31.255.255", .private), ("172.32.0.0", nil),
        ("191.255.255.255", nil), ("192.0.0.0", .reserved), ("192.0.0.255", .reserved), ("192.0.1.0", nil),
        ("192.0.2.0", .reserved), ("192.0.2.255", .reserved), ("192.0.3.0", nil), ("192.88.99.1", .reserved),
        ("192.167.255.255", nil), ("192.168.0.0", .private), ("192.168.255.255", .private), ("192.169.0.0", nil),
        ("198.17.255.255", nil), ("198.18.0.0", .reserved), ("198.19.255.255", .reserved), ("198.20.0.0", nil),
        ("198.51.100.7", .reserved), ("203.0.113.9", .reserved),
        ("223.255.255.255", nil), ("224.0.0.0", .multicast), ("239.255.255.255", .multicast), ("240.0.0.0", .reserved),
        ("255.255.255.254", .reserved), ("255.255.255.255", .broadcast),
        ("8.8.8.8", nil), ("1.1.1.1", nil), ("93.184.216.34", nil), ("52.94.133.131", nil),
        // IPv6.
        ("::", .unspecified), ("::1", .loopback), ("fe80::", .linkLocal), ("fe80::1", .linkLocal),
        ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .linkLocal), ("fec0::1", .private), ("fc00::", .private), ("fd00:ec2::254", .private),
        ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .private), ("fe00::1", .reserved), ("ff00::", .multicast), ("ff02::1", .multicast),
        ("2001:db8::1", .reserved), ("2001::1", .reserved), ("3fff::1", .reserved), ("5f00::1", .reserved), ("64:ff9b:1::1", .private),
        ("100::1", .reserved), ("1fff:ffff::1", .reserved), ("4000::1", .reserved), ("::2", .unspecified),
        ("2606:4700:4700::1111", nil), ("2001:4860:4860::8888", nil), ("2a00:1450:4001::1", nil), ("2000::1", nil),
        // IPv4 addresses carried in IPv6: mapped, compatible, NAT64, 6to4.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("::ffff:10.1.2.3", .private), ("::ffff:169.254.169.254", .linkLocal),
        ("::ffff:0.0.0.0", .unspecified), ("::ffff:255.255.255.255", .broadcast), ("::ffff:100.64.0.1", .sharedAddressSpace),
        ("::ffff:224.0.0.1", .multicast), ("::ffff:8.8.8.8", nil),
        ("::127.0.0.1", .loopback), ("::10.0.0.1", .private), ("::8.8.8.8", .reserved),
        ("64:ff9b::127.0.0.1", .loopback), ("64:ff9b::a9fe:a9fe", .linkLocal), ("64:ff9b::8.8.8.8", nil),
        ("2002:7f00:1::", .loopback), ("2002:a00:1::1", .private), ("2002:a9fe:a9fe::", .linkLocal), ("2002:808:808::1", nil),
    ] as [(String, AddressPolicy.Category?)])
    func classifies(_ text: String, _ expected: AddressPolicy.Category?) {
        #expect(AddressPolicy.category(of: Self.ip(text)) == expected, "\(text)")
        #expect((AddressPolicy.publicOnly.refusal(Self.ip(text)) == nil) == (expected == nil), "\(text)")
    }

    @Test func namesTheAddressAndWhy() {
        #expect(AddressPolicy.publicOnly.refusal(Self.ip("10.0.0.1")) == "address 10.0.0.1 is not allowed (private)")
        #expect(AddressPolicy.publicOnly.refusal(Self.ip("169.254.169.254")) == "address 169.254.169.254 is not allowed (link-local)")
        #expect(AddressPolicy.publicOnly.refusal(Self.ip("::ffff:127.0.0.1")) == "address ::ffff:127.0.0.1 is not allowed (loopback, IPv4-mapped)")
        #expect(AddressPolicy.publicOnly.refusal(Self.ip("100.64.0.1")) == "address 100.64.0.1 is not allowed (shared address space, CGNAT)")
        #expect(AddressPolicy.publicOnly.refusal(Self.ip("2002:7f00:1::")) == "address 2002:7f00:1:: is not allowed (loopback, 6to4)")
    }

    @Test func allowListOverridesTheCategories() throws {
        let loopback = try AddressPolicy(allowList: "127.0.0.0/8")
        #expect(loopback.refusal(Self.ip("127.0.0.1")) == nil)
        #expect(loopback.refusal(Self.ip("127.255.0.9")) == nil)
        #expect(loopback.refusal(Self.ip("::ffff:127.0.0.1")) == nil, "the same destination")
        #expect(loopback.refusal(Self.ip("::1")) != nil)
        #expect(loopback.refusal(Self.ip("10.0.0.1")) != nil)
        #expect(loopback.refusal(Self.ip("169.254.169.254")) != nil)
        let several = try AddressPolicy(allowList: " 10.1.0.0/16 , ::1,, fd00::/8 ")
        #expect(several.allowed.map(\.description) == ["10.1.0.0/16", "::1/128", "fd00::/8"])
        #expect(several.refusal(Self.ip("10.1.255.255")) == nil)
        #expect(several.refusal(Self.ip("10.2.0.0")) != nil)
        #expect(several.refusal(Self.ip("fd12::1")) == nil)
        #expect(several.refusal(Self.ip("fc00::1")) != nil)
        let everything = try AddressPolicy(allowList: "0.0.0.0/0,::/0")
        for text in ["0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "fe80::1", "ff02::1"] { #expect(everything.refusal(Self.ip(text)) == nil, "\(text)") }
        #expect(try AddressPolicy(allowList: "").allowed.isEmpty)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("127.0.0.1", "127.0.0.1/32"), ("0.0.0.0/0", "0.0.0.0/0"), ("172.16.0.0/12", "172.16.0.0/12"),
        ("::1", "::1/128"), ("::/0", "::/0"), ("fc00::/7", "fc00::/7"), ("FE80::/10", "fe80::/10"), ("::ffff:127.0.0.0/104", "::ffff:127.0.0.0/104"),
        ("2001:db8::/32", "2001:db8::/32"), ("192.168.1.128/25", "192.168.1.128/25"),
    ])
    func parsesRanges(_ text: String, _ canonical: String) throws {
        #expect(try IPAddressRange(text).description == canonical)
    }

    @Test(arguments: [
        ("10.0.0.1/8", "host bits set; the block is 10.0.0.0/8"), ("fe80::1/10", "the block is fe80::/10"),
        ("10.0.0.0/33", "out of range"), ("::/129", "out of range"), ("10.0.0.0/", "decimal number"), ("10.0.0.0/-1", "decimal number"),
        ("10.0.0.0/+8", "decimal number"), ("10.0.0.0/08", "decimal number"), ("10.0.0.0/ 8", "decimal number"), ("10.0.0.0/8/8", "not an IPv4"),
        ("10.0.0/8", "not an IPv4"), ("10.0.0.0.0/8", "not an IPv4"), ("010.0.0.0/8", "not an IPv4"), ("0x0a.0.0.0/8", "not an IPv4"),
        ("256.0.0.0/8", "not an IPv4"), ("127.1", "not an IPv4"), ("fe80::1%eth0/64", "not an IPv4"), ("[::1]", "not an IPv4"),
        ("localhost", "not an IPv4"), ("", "not an IPv4"), ("/8", "not an IPv4"), (" 10.0.0.0/8", "not an IPv4"),
    ])
    func refusesMalformedRanges(_ text: String, _ expected: String) {
        let e = #expect(throws: BedrockError.self) { try IPAddressRange(text) }
        #expect(e?.code == .configuration)
        #expect(e?.message.contains(expected) == true, "\(text): \(e?.message ?? "")")
        #expect(e?.message.contains("'\(text)'") == true, "names the entry: \(e?.message ?? "")")
    }

    @Test func rangeEdges() throws {
        let r = try IPAddressRange("172.16.0.0/12")
        #expect(r.contains(Self.ip("172.16.0.0")) && r.contains(Self.ip("172.31.255.255")))
        #expect(!r.contains(Self.ip("172.15.255.255")) && !r.contains(Self.ip("172.32.0.0")))
        #expect(!r.contains(Self.ip("::ffff:172.16.0.1")), "families do not mix")
        let v6 = try IPAddressRange("fc00::/7")
        #expect(v6.contains(Self.ip("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) && !v6.contains(Self.ip("fe00::")) && !v6.contains(Self.ip("fbff::")))
        #expect(try IPAddressRange("0.0.0.0/0").contains(Self.ip("255.255.255.255")))
        let listError = #expect(throws: BedrockError.self) { try AddressPolicy(allowList: "10.0.0.0/8, 10.0.0.1/8") }
        #expect(listError?.message.contains("10.0.0.1/8") == true)
    }
}

/// `file://` image URLs: refused unless a directory is configured, and then only inside it.
@Suite struct ImageFetcherFileTests {
    static let png = ImageFetcherTests.png

    /// A scratch tree: `root/images/a.png`, `root/images/sub/`, `root/secret.png` (outside), and links inside
    /// `images` to the outside file, to `/`, and to `a.png`.
    struct Tree {
        let root: URL
        var images: URL { root.appendingPathComponent("images") }

        init() throws {
            let fm = FileManager.default
            let base = fm.temporaryDirectory.appendingPathComponent("img-\(UUID().uuidString)")
            try fm.createDirectory(at: base.appendingPathComponent("images/sub"), withIntermediateDirectories: true)
            root = base.resolvingSymlinksInPath()
            try Data(ImageFetcherFileTests.png).write(to: root.appendingPathComponent("images/a.png"))
            try Data(ImageFetcherFileTests.png).write(to: root.appendingPathComponent("secret.png"))
            try fm.createSymbolicLink(atPath: root.appendingPathComponent("images/out.png").path, withDestinationPath: root.appendingPathComponent("secret.png").path)
            try fm.createSymbolicLink(atPath: root.appendingPathComponent("images/rootdir").path, withDestinationPath: "/")
            try fm.createSymbolicLink(atPath: root.appendingPathComponent("images/alias.png").path, withDestinationPath: "a.png")
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
        func url(_ relative: String) -> String { "file://" + images.path + "/" + relative }
    }

    @Test func refusedByDefault() async throws {
        let tree = try Tree()
        defer { tree.remove() }
        let f = ImageFetcher(transport: CurlHTTPTransport())
        for url in [tree.url("a.png"), tree.url("missing.png"), "file:///etc/hostname"] {
            let e = await #expect(throws: ImageFetchError.self) { try await f.fetch(url) }
            #expect(e?.message == "file:// image URLs are not enabled")
            #expect(e?.isRetriable == false)
        }
    }

    @Test func readsOnlyInsideTheDirectory() async throws {
        let tree = try Tree()
        defer { tree.remove() }
        let f = ImageFetcher(transport: CurlHTTPTransport(), fileDirectory: try ImageFileDirectory(tree.images.path))
        #expect(try await f.fetch(tree.url("a.png")) == Self.png)
        #expect(try await f.fetch(tree.url("sub/../a.png")) == Self.png)
        #expect(try await f.fetch(tree.url("alias.png")) == Self.png, "a link that stays inside")
        #expect(try await f.fetch("file://localhost" + tree.images.path + "/a.png") == Self.png)

        // Escapes that exist and paths that do not get the same answer.
        let refused = [
            tree.url("../secret.png"), tree.url("sub/../../secret.png"), tree.url("%2e%2e/secret.png"), tree.url("out.png"),
            tree.url("rootdir" + tree.root.path + "/secret.png"), tree.url("rootdir/etc/hostname"), tree.url("rootdir/no/such/file"),
            tree.url("missing.png"), tree.url("../missing.png"), tree.url("sub"), tree.url(""), "file://" + tree.root.path + "/secret.png",
            "file:///etc/hostname", "file:///no/such/file", tree.url("a.png%00"),
        ]
        var messages = Set<String>()
        for url in refused {
            let e = await #expect(throws: ImageFetchError.self) { try await f.fetch(url) }
            #expect(e?.isRetriable == false, "\(url)")
            messages.insert(e?.message ?? "fetched \(url)")
        }
        #expect(messages == ["no readable file at this path in the image directory"])
        #expect(!messages.contains { $0.contains(tree.root.path) || $0.contains("secret") })

        let remote = await #expect(throws: ImageFetchError.self) { try await f.fetch("file://fileserver" + tree.images.path + "/a.png") }
        #expect(remote?.message == "a file:// URL must not name a host")
    }

    @Test func theDirectoryMustExist() throws {
        let tree = try Tree()
        defer { tree.remove() }
        #expect(try ImageFileDirectory(tree.root.path + "/images/sub/..").path == tree.images.path)
        #expect(try ImageFileDirectory(tree.images.path + "/rootdir").path == "/")
        #expect(throws: ImageFetchError.self) { try ImageFileDirectory(tree.root.path + "/nothing") }
        #expect(throws: ImageFetchError.self) { try ImageFileDirectory(tree.root.path + "/secret.png") }
    }
}
