/// What the profile rule needs to know about an item: its vector (in the
/// profile's dimension) and its categories.
public struct ItemFeatures: Sendable, Equatable {
    public var vector: [Float]
    public var categories: [String]

    public init(vector: [Float], categories: [String] = []) {
        self.vector = vector
        self.categories = categories
    }

    /// `categories` without repeats, in no particular order; most items have one category,
    /// which is returned as is without building a set (this runs per folded event).
    static func distinct(_ categories: [String]) -> [String] {
        categories.count < 2 ? categories : Array(Set(categories))
    }
}
