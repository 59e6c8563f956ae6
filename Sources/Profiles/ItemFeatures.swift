/// What the profile rule needs to know about an item: its vector (in the
/// profile's dimension) and its categories.
public struct ItemFeatures: Sendable, Equatable {
    public var vector: [Float]
    public var categories: [String]

    public init(vector: [Float], categories: [String] = []) {
        self.vector = vector
        self.categories = categories
    }
}
