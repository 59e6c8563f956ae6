import Foundation

/// AWS credentials used to sign requests.
///
/// `description` and `debugDescription` never print the secret or the session token, so credentials can be
/// logged or interpolated into errors by accident without leaking.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The access key id with all but its last four characters masked, e.g. `****************MPLE`.
    public var maskedAccessKeyID: String {
        let tail = accessKeyID.suffix(4)
        return String(repeating: "*", count: max(0, accessKeyID.count - tail.count)) + tail
    }

    /// Whether the credentials expire within `margin` of `now`.
    public func expires(within margin: TimeInterval, of now: Date = Date()) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }

    public var description: String {
        var s = "AWSCredentials(accessKeyID: \(maskedAccessKeyID), secretAccessKey: <redacted>"
        if sessionToken != nil { s += ", sessionToken: <redacted>" }
        if let expiration { s += ", expiration: \(expiration)" }
        return s + ")"
    }

    public var debugDescription: String { description }
}
