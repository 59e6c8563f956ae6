/// How requests are authenticated.
public enum AuthMode: Sendable {
    /// API keys with scopes (production default).
    case apiKeys(APIKeyStore)
    /// No authentication: explicit opt-in for local use only.
    case disabled
}
