extension PostgresError {
    /// The error for a connection that could not be opened, from libpq's message.
    ///
    /// libpq's words stay (they name the host, port and cause), with two changes:
    /// - the password never appears: libpq quotes the offending part of a URL it cannot parse
    ///   (`invalid percent-encoded token: "<password>"`), so every occurrence of the URL's password is
    ///   replaced;
    /// - a failed TLS verification says so, with the `sslmode` and `sslrootcert` the URL asked for:
    ///   libpq 15 only says `SSL error: certificate verify failed`.
    ///
    /// - Parameters:
    ///   - libpqMessage: `PQerrorMessage` of the failed connection.
    ///   - conninfo: the connection string or URL that was used.
    static func connectionFailure(libpqMessage: String, conninfo: String, file: String = #fileID, line: Int = #line) -> PostgresError {
        let libpq = PostgresConnectionString.hidingPasswords(of: conninfo, in: libpqMessage.trimmingCharacters(in: .whitespacesAndNewlines))
        guard let parsed = try? PostgresConnectionString(conninfo) else {
            return PostgresError(.connectionFailed, "invalid database URL: \(libpq)", file: file, line: line)
        }
        let mode = parsed.options["sslmode"] ?? "prefer"
        let root = parsed.options["sslrootcert"].map { "sslrootcert=\($0)" } ?? "sslrootcert unset: ~/.postgresql/root.crt"
        let message: String
        if libpq.contains("certificate verify failed") {
            message = "TLS certificate verification failed (sslmode=\(mode), \(root)): the server's certificate is not "
                + "signed by a CA in that file, or it has expired or is not yet valid; libpq: \(libpq)"
        } else if libpq.contains("does not match host name") {
            message = "TLS host name verification failed (sslmode=\(mode)): the server's certificate does not name "
                + "the host in the URL; libpq: \(libpq)"
        } else {
            message = libpq
        }
        return PostgresError(.connectionFailed, message, file: file, line: line)
    }
}
