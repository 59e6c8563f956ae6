import Foundation
import IntegrationTestSupport
import Testing
@testable import Postgres

/// TLS to the stack's PostgreSQL (`ssl = on` with a certificate from the stack's local CA, `REC_PG_CA`) through
/// the product's own pool, as production connects with `sslmode=verify-full`.
@Suite(.enabled(if: TestDatabase.integration)) struct PostgresTLSTests {
    /// The stack's `DATABASE_URL` with a TLS mode and root certificate.
    static func url(sslmode: String, rootCert: String? = nil) throws -> String {
        var parameters = ["sslmode=\(sslmode)"]
        if let rootCert { parameters.append("sslrootcert=\(rootCert)") }
        return IntegrationStack.url(try TestDatabase.url(), adding: parameters)
    }

    /// The server's view of the session: `pg_stat_ssl.ssl` and the protocol.
    static func serverSideTLS(_ pool: PostgresPool) async throws -> (ssl: Bool, version: String?) {
        let row = try await pool.query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first!
        return (try row.bool(0), try row.optionalString(1))
    }

    @Test func verifyFullWithTheStacksCAIsEncrypted() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(
            url: try Self.url(sslmode: "verify-full", rootCert: try IntegrationStack.postgresCA()), maxConnections: 2))
        defer { pool.close() }
        let server = try await Self.serverSideTLS(pool)
        #expect(server.ssl)
        #expect(server.version?.hasPrefix("TLSv1.") == true)
        #expect(try await pool.withConnection { $0.tlsProtocol } == server.version)
        // The product's statements run over it as usual.
        #expect(try await pool.query("SELECT $1::int4 + 1", [Int32(41)]).first!.int(0) == 42)
    }

    @Test func plainConnectionsKeepWorking() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try Self.url(sslmode: "disable"), maxConnections: 1))
        defer { pool.close() }
        #expect(try await Self.serverSideTLS(pool).ssl == false)
        #expect(try await pool.withConnection { $0.tlsProtocol } == nil)
    }

    @Test func anotherCAIsRefusedWithAClearMessageAndNoPassword() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rec-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let otherCA = try Self.makeThrowawayCA(in: dir)
        let url = try Self.url(sslmode: "verify-full", rootCert: otherCA)
        let password = try #require(URLComponents(string: url)?.password)

        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 1, acquireTimeout: 5))
        defer { pool.close() }
        let e = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(e?.code == .connectionFailed)
        let text = e?.description ?? ""
        #expect(text.contains("TLS certificate verification failed (sslmode=verify-full, sslrootcert=\(otherCA))"), "\(text)")
        #expect(text.contains("certificate verify failed"), "\(text)")
        #expect(!text.contains(password))
        #expect(!(e?.debugDescription.contains(password) ?? true))
    }

    /// A self-signed CA nobody used to sign anything (openssl CLI, as the stack script makes its own).
    static func makeThrowawayCA(in dir: URL) throws -> String {
        let cert = dir.appendingPathComponent("other-ca.crt").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=rec throwaway CA",
                       "-keyout", dir.appendingPathComponent("other-ca.key").path, "-out", cert]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw PostgresError(.invalidConfiguration, "openssl req exited with \(p.terminationStatus)") }
        return cert
    }
}
