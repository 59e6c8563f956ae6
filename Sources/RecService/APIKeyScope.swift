/// What an API key may do. `admin` implies the others.
public enum APIKeyScope: String, Sendable, CaseIterable, Codable {
    /// Listing, search and item/profile reads.
    case read
    /// `POST /v1/events`.
    case events
    /// Deleting users and reading operational endpoints.
    case admin
}
