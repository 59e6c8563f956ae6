import CRdKafka
import Foundation
import RecCore

/// A SASL/OAUTHBEARER token from the application (e.g. Amazon MSK's IAM token, signed with the process's AWS
/// credentials), handed to librdkafka whenever it asks: at start and at 80 % of each token's lifetime.
public final class KafkaOAuthBearer: Sendable {
    public struct Token: Sendable {
        public var value: String
        public var expiresAt: Date
        /// The principal the broker's logs name (MSK takes it from the signature, not from here).
        public var principal: String

        public init(value: String, expiresAt: Date, principal: String) {
            self.value = value
            self.expiresAt = expiresAt
            self.principal = principal
        }
    }

    let id: Int
    let provide: @Sendable () async throws -> Token

    /// - Parameter provide: called on librdkafka's SASL thread (off the cooperative pool); its error is reported to
    ///   librdkafka, which retries and logs it.
    public init(_ provide: @escaping @Sendable () async throws -> Token) {
        self.provide = provide
        id = Self.registry.withLock { state in
            state.next += 1
            state.providers[state.next] = provide
            return state.next
        }
    }

    /// A token now (what librdkafka's callback gets).
    public func token() async throws -> Token { try await provide() }

    deinit { Self.registry.withLock { _ = $0.providers.removeValue(forKey: id) } }

    /// What `sasl.oauthbearer.config` carries: librdkafka passes it to the C callback, which has no other context.
    var configValue: String { "rec.oauthbearer.provider=\(id)" }

    /// Sets the callback on `conf` (before `rd_kafka_new`); its SASL events are then served by librdkafka's
    /// background thread (`rd_kafka_sasl_background_callbacks_enable`), so admin clients, which never poll,
    /// get tokens too.
    func install(on conf: OpaquePointer) throws {
        var errbuf = [CChar](repeating: 0, count: 512)
        guard rd_kafka_conf_set(conf, "sasl.oauthbearer.config", configValue, &errbuf, errbuf.count) == RD_KAFKA_CONF_OK else {
            throw KafkaError(.configuration, "sasl.oauthbearer.config: \(errorText(errbuf))")
        }
        rd_kafka_conf_enable_sasl_queue(conf, 1)
        rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf) { rk, config, _ in
            guard let rk else { return }
            let text = config.map { String(cString: $0) } ?? ""
            guard let id = Int(text.split(separator: "=").last ?? ""),
                  let provide = KafkaOAuthBearer.registry.withLock({ $0.providers[id] }) else {
                rd_kafka_oauthbearer_set_token_failure(rk, "no token provider")
                return
            }
            KafkaOAuthBearer.refresh(rk, provide)
        }
    }

    static func refresh(_ rk: OpaquePointer, _ provide: @escaping @Sendable () async throws -> Token) {
        let outcome = Locked<Result<Token, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { let token = try await provide(); outcome.withLock { $0 = .success(token) } } catch { outcome.withLock { $0 = .failure(error) } }
            done.signal()
        }
        done.wait()
        switch outcome.current {
        case .success(let token)?:
            var errbuf = [CChar](repeating: 0, count: 512)
            let ms = Int64((token.expiresAt.timeIntervalSince1970 * 1000).rounded(.down))
            let err = rd_kafka_oauthbearer_set_token(rk, token.value, ms, token.principal, nil, 0, &errbuf, errbuf.count)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { rd_kafka_oauthbearer_set_token_failure(rk, errorText(errbuf)) }
        case .failure(let error)?:
            rd_kafka_oauthbearer_set_token_failure(rk, "token provider failed: \(error)")
        case nil:
            rd_kafka_oauthbearer_set_token_failure(rk, "token provider returned nothing")
        }
    }

    private struct Registry {
        var next = 0
        var providers: [Int: @Sendable () async throws -> Token] = [:]
    }
    private static let registry = Locked(Registry())
}
