/// A candidate with its blended score and the explanation of that score.
public struct ScoredItem: Sendable {
    public var candidate: Candidate
    public var score: Float
    public var explanation: ScoreExplanation

    public init(candidate: Candidate, explanation: ScoreExplanation) {
        self.candidate = candidate
        self.explanation = explanation
        self.score = explanation.total
    }
}
