import Foundation
import ServiceLifecycle

/// The queue of titan-local's background jobs (``ModelCustomizationJobs``, ``ModelInvocationJobs``): job ids run one
/// at a time, in the order submitted, from a `Service`'s `run()`.
struct SerialJobQueue: Sendable {
    private let ids: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (ids, continuation) = AsyncStream.makeStream(of: String.self) }

    func submit(_ id: String) { continuation.yield(id) }

    /// Runs `process` for each submitted id, in order, until graceful shutdown or cancellation. On graceful shutdown
    /// `onShutdown` runs first (to ask the running job to stop), and ids still queued are not run.
    func run(_ process: (String) async -> Void, onShutdown: @escaping @Sendable () -> Void) async {
        await withGracefulShutdownHandler {
            for await id in ids {
                await process(id)
            }
        } onGracefulShutdown: { [continuation] in
            onShutdown()
            continuation.finish()
        }
    }

    /// Newest first unless `ascending`, by creation time then id (the List calls' order).
    static func ordered<Job>(_ jobs: [Job], ascending: Bool, _ key: (Job) -> (Date, String)) -> [Job] {
        jobs.sorted { ascending ? key($0) < key($1) : key($0) > key($1) }
    }
}
