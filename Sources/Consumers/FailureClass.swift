import Kafka
import Postgres
import Profiles

/// What a failure says about the messages whose handling threw it.
///
/// - `permanent`: the input itself is unacceptable (PostgreSQL data exceptions, class 22, and integrity
///   violations, class 23; a stored profile that cannot be decoded). No retry can fix it: the batch is split
///   to find the message, which is dead-lettered with the error as its reason.
/// - `transient`: the system, not the message (connection loss, serialization failures and deadlocks (40),
///   insufficient resources (53), operator intervention (57), system errors (58, XX), a schema or permission
///   problem (42, 28, 3D, 3F) that a deploy fixes, the broker). Retried with backoff, without limit: dead-lettering
///   would lose every message of an outage.
/// - `unknown`: anything else. The batch is split like a permanent failure, and a message that keeps failing
///   on its own is dead-lettered after ``BatchConsumerConfiguration/maxAttempts`` attempts.
public enum FailureClass: String, Sendable, Equatable {
    case permanent, transient, unknown

    /// The default classification of ``BatchConsumerService``.
    public static func of(_ error: any Error) -> FailureClass {
        switch error {
        case let pg as PostgresError:
            guard pg.code == .server else {
                return pg.code == .decoding ? .unknown : .transient  // connection, pool, configuration
            }
            guard let state = pg.sqlState, state.count == 5 else { return .unknown }
            switch state.prefix(2) {
            case "22", "23": return .permanent
            case "08", "40", "53", "55", "57", "58", "XX", "42", "28", "3D", "3F", "25": return .transient
            default: return .unknown
            }
        case let store as ProfileStoreError:
            return store.code == .corruptProfile ? .permanent : .transient
        case is KafkaError, is CancellationError:
            return .transient
        default:
            return .unknown
        }
    }
}
