import Testing
@testable import Postgres

/// What a failed connection says: the cause, never the password. No server needed.
@Suite struct ConnectionFailureMessageTests {
    @Test func aURLLibpqCannotParseDoesNotLeakItsPassword() throws {
        // libpq 15 answers `invalid percent-encoded token: "p%zzw-secret-42"`, quoting the password.
        let url = "postgresql://rec:p%zzw-secret-42@127.0.0.1:1/rec"
        let e = #expect(throws: PostgresError.self) { try PGConnection(url: url) }
        #expect(e?.code == .connectionFailed)
        let text = "\(e?.description ?? "") \(e?.debugDescription ?? "")"
        #expect(!text.contains("secret-42"))
        #expect(text.contains("invalid database URL"))
        #expect(text.contains("percent-encoded"))
    }

    @Test func parsingAURLDoesNotLeakItsPasswordEither() {
        let e = #expect(throws: PostgresError.self) { try PostgresConnectionString("postgresql://rec:p%zzw-secret-42@h/rec") }
        #expect(e?.code == .invalidConfiguration)
        #expect(!(e?.description.contains("secret-42") ?? true))
        #expect(e?.description.contains("percent-encoded") == true)
    }

    /// What `rec config check` prints: the same password parsing as the error messages, so a password holding an
    /// unencoded `@` is hidden whole.
    @Test func redactedURLsHideTheWholePassword() {
        #expect(PostgresConnectionString.redacted("postgresql://rec:p@ss-secret@db:5432/rec?sslmode=verify-full")
                == "postgresql://rec:***@db:5432/rec?sslmode=verify-full")
        #expect(PostgresConnectionString.redacted("postgresql://rec@db/rec?password=s3cret&sslmode=require")
                == "postgresql://rec@db/rec?password=***&sslmode=require")
        #expect(PostgresConnectionString.redacted("host=db password='a b' dbname=rec") == "host=db password=*** dbname=rec")
    }

    @Test func passwordsAreFoundInEveryForm() {
        #expect(PostgresConnectionString.passwords(in: "postgresql://u:pa%40ss@h:5/d?sslmode=require") == ["pa%40ss", "pa@ss"])
        #expect(PostgresConnectionString.passwords(in: "postgres://u:p@ss@[::1]:5/d") == ["p@ss"])
        #expect(PostgresConnectionString.passwords(in: "postgresql://u@h/d?password=qp&sslmode=require") == ["qp"])
        #expect(PostgresConnectionString.passwords(in: "postgresql://h/d").isEmpty)
        #expect(PostgresConnectionString.passwords(in: "host=h password = 'a b' user=u") == ["a b"])
        #expect(PostgresConnectionString.passwords(in: "host=h password=xyz") == ["xyz"])
        // Decoded as libpq decodes it, too.
        #expect(PostgresConnectionString.passwords(in: "postgresql://u:pa%40ss@h:5/d").contains("pa@ss"))
    }

    @Test func aFailedCertificateVerificationIsNamedWithItsSettings() {
        let e = PostgresError.connectionFailure(
            libpqMessage: "connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed\n",
            conninfo: "postgresql://rec:hunter2@127.0.0.1:5432/rec?sslmode=verify-full&sslrootcert=/etc/rec/ca.crt")
        #expect(e.code == .connectionFailed)
        #expect(e.description.contains("TLS certificate verification failed (sslmode=verify-full, sslrootcert=/etc/rec/ca.crt)"))
        #expect(e.description.contains("SSL error: certificate verify failed"))
        #expect(!e.description.contains("hunter2"))
    }

    @Test func aHostNameMismatchIsNamed() {
        let e = PostgresError.connectionFailure(
            libpqMessage: "connection to server at \"db.internal\" (10.0.0.5), port 5432 failed: server certificate for \"other\" does not match host name \"db.internal\"",
            conninfo: "host=db.internal sslmode=verify-full password=hunter2")
        #expect(e.description.contains("TLS host name verification failed (sslmode=verify-full)"))
        #expect(!e.description.contains("hunter2"))
    }

    @Test func otherFailuresKeepLibpqsWords() {
        let e = PostgresError.connectionFailure(
            libpqMessage: "connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
            conninfo: "postgresql://rec:hunter2@127.0.0.1:1/rec")
        #expect(e.description == "postgres connectionFailed: connection to server at \"127.0.0.1\", port 1 failed: Connection refused")
    }
}
