import Foundation
import RecCore

/// The pure profile update: `(state, interaction, item) → new state`.
///
/// Every part of the result is independent of the order events are applied in
/// (long-term, negative and session vectors by ``DecayedVector``'s rule; the
/// session is always the one of the newest event, ties broken by the larger
/// session id; counters are sums; the last event time is a max), so streaming,
/// redelivery-free replays, late folds of pending events and `rebuild` agree.
///
/// One assumption: a user's sessions do not overlap in time (a new session id
/// means the previous session ended). With two concurrent sessions (two
/// devices), the session profile follows the newest event in arrival order, so
/// a rebuild can differ from the streamed session vector; the long-term and
/// negative profiles and the counters never depend on order.
public struct ProfileUpdateRule: Sendable {
    public let configuration: ProfileConfiguration

    public init(configuration: ProfileConfiguration = .default) { self.configuration = configuration }

    /// `state` with `interaction` folded in.
    ///
    /// - Precondition: `item.vector.count == state.dimension`.
    public func applying(_ interaction: Interaction, item: ItemFeatures, to state: ProfileState) -> ProfileState {
        var s = state
        apply(interaction, item: item, to: &s)
        return s
    }

    /// Folds `interaction` into `state` in place (the batch path; same rule as ``applying(_:item:to:)``).
    public func apply(_ interaction: Interaction, item: ItemFeatures, to state: inout ProfileState) {
        precondition(item.vector.count == state.dimension, "item vector has \(item.vector.count) dimensions, profile \(state.dimension)")
        let c = configuration
        let t = interaction.occurredAt
        let w = c.weights.signedWeight(for: interaction.type, value: interaction.value)
        if w > 0 {
            state.longTerm.add(item.vector, weight: w, at: t, halfLife: c.longTermHalfLife)
        } else if w < 0 {
            state.negative.add(item.vector, weight: -w, at: t, halfLife: c.negativeHalfLife)
        }
        if let sid = interaction.sessionID {
            let sessionWeight = max(w, 0)
            if state.sessionID == sid, !state.session.isEmpty {
                state.session.add(item.vector, weight: sessionWeight, at: t, halfLife: c.sessionHalfLife)
            } else if Self.startsNewSession(sid, at: t, current: state.sessionID, currentAt: state.session.referenceTime) {
                state.sessionID = sid
                state.session = DecayedVector.empty.adding(item.vector, weight: sessionWeight, at: t, halfLife: c.sessionHalfLife)
            }
        }
        state.eventCount += 1
        state.countsByType[interaction.type, default: 0] += 1
        if w != 0 {
            for category in ItemFeatures.distinct(item.categories) { state.categoryAffinity[category, default: 0] += Double(w) }
        }
        if state.lastEventAt.map({ t > $0 }) ?? true { state.lastEventAt = t }
    }

    /// A different session replaces the current one only if its event is newer
    /// (ties: the larger id), so the outcome does not depend on arrival order.
    static func startsNewSession(_ sid: String, at t: Date, current: String?, currentAt: Date?) -> Bool {
        guard let current, let currentAt else { return true }
        if t != currentAt { return t > currentAt }
        return sid > current
    }

    /// Folds many interactions (any order) into `state`.
    public func applying(_ interactions: [(Interaction, ItemFeatures)], to state: ProfileState) -> ProfileState {
        var s = state
        for (i, f) in interactions { apply(i, item: f, to: &s) }
        return s
    }
}
