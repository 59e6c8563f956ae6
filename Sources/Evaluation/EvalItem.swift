import Foundation

/// One catalog item as the evaluation sees it: enough for content baselines and freshness, nothing service-specific.
public struct EvalItem: Sendable, Hashable, Codable {
    public var id: String
    /// `title`, or `title + ". " + description` when both exist, so that text models see one string.
    public var text: String
    public var categories: [String]
    /// A URL or a path, as given.
    public var image: String?
    public var publishedAt: Date?

    public init(id: String, text: String, categories: [String] = [], image: String? = nil, publishedAt: Date? = nil) {
        self.id = id
        self.text = text
        self.categories = categories
        self.image = image
        self.publishedAt = publishedAt
    }
}
