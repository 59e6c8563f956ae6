import RecCore
import Foundation

/// Runs blocking, CPU-bound work on its own threads, never on Swift's cooperative
/// pool, and batches whatever has queued up while it was busy: each wake-up takes up
/// to `maxBatch` pending inputs and processes them in one call. Under load, requests
/// from many connections therefore share one model invocation (dynamic batching).
final class BatchWorker<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    typealias Process = @Sendable ([Input]) -> [Result<Output, any Error>]

    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the inference worker has stopped" }
    }

    private struct Pending {
        var input: Input
        var continuation: CheckedContinuation<Output, any Error>
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Pending] = []
    private var queueHead = 0
    private var stopped = false
    private var batchesRun = 0
    private var inputsRun = 0

    let maxBatch: Int
    let gatherWindow: Duration
    private let process: Process
    // Guarded by `condition`: inputs being processed now, and the demand seen when the
    // last batch finished (its inputs plus those that queued meanwhile).
    private var processing = 0
    private var expectedLoad = 0
    private var gathering = false

    /// Starts `threads` dedicated threads.
    ///
    /// - Parameters:
    ///   - maxBatch: the most inputs handed to `process` at once.
    ///   - gatherWindow: how long a partial batch waits for the next caller expected back.
    ///     When a batch finishes, its callers need a moment to submit again (more so over
    ///     HTTP); without waiting, the worker would run what queued meanwhile, and the load
    ///     would settle into two alternating half batches, which cost more per input. So
    ///     the next batch waits until as many inputs are queued as were in demand during
    ///     the previous batch, as long as they keep arriving: it stops waiting when none
    ///     arrived for this long (HTTP callers come back spread over several milliseconds,
    ///     so a window counted from the first arrival cut batches short), and after
    ///     ``gatherWindowLimit`` windows in all. A lone caller is never delayed.
    ///   - process: returns one result per input, in order.
    init(name: String, threads: Int = 1, maxBatch: Int, gatherWindow: Duration = .zero, process: @escaping Process) {
        precondition(maxBatch > 0 && threads > 0)
        self.maxBatch = maxBatch
        self.gatherWindow = gatherWindow
        self.process = process
        for i in 0..<threads {
            let threadName = threads == 1 ? name : "\(name)-\(i)"
            let thread = Thread { [self] in
                // Named from inside, so that the kernel (top, perf) shows it too.
                Thread.current.name = threadName
                self.loop()
            }
            thread.name = threadName
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Queues `input` and waits for its result.
    ///
    /// - Throws: whatever `process` reported for this input, or ``Stopped`` after ``stop()``.
    func submit(_ input: Input) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: Stopped())
                return
            }
            queue.append(Pending(input: input, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Number of inputs waiting (not yet taken by a thread).
    var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - queueHead
    }

    /// Batches and inputs processed so far (to see how well requests are batched).
    var statistics: (batches: Int, inputs: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (batchesRun, inputsRun)
    }

    /// Whether a thread is waiting for a partial batch to fill (for tests).
    var isGathering: Bool {
        condition.lock()
        defer { condition.unlock() }
        return gathering
    }

    /// Fails pending and future inputs and lets the threads exit once they are idle.
    func stop() {
        condition.lock()
        stopped = true
        let pending = queue[queueHead...]
        queue = []
        queueHead = 0
        condition.broadcast()
        condition.unlock()
        for p in pending { p.continuation.resume(throwing: Stopped()) }
    }

    /// The longest a partial batch waits in all, in gather windows.
    static var gatherWindowLimit: Int { 4 }

    private static func seconds(_ d: Duration) -> Double { d.seconds }

    private func loop() {
        while true {
            condition.lock()
            while queueHead == queue.count && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            // Inputs other threads are processing now will return to their own threads.
            let target = min(maxBatch, expectedLoad - processing)
            if gatherWindow > .zero, queue.count - queueHead < target {
                // Wait while callers keep coming back: each arrival restarts the window,
                // and the whole wait is capped at `gatherWindowLimit`.
                let window = Self.seconds(gatherWindow)
                let start = Date()
                let limit = start.addingTimeInterval(window * Double(Self.gatherWindowLimit))
                var deadline = start.addingTimeInterval(window)
                var seen = queue.count - queueHead
                gathering = true
                while queue.count - queueHead < target, !stopped {
                    let arrived = condition.wait(until: min(deadline, limit))
                    let queued = queue.count - queueHead
                    if queued > seen {
                        seen = queued
                        deadline = Date().addingTimeInterval(window)
                    } else if !arrived {
                        break
                    }
                    if Date() >= limit { break }
                }
                gathering = false
                if stopped || queueHead == queue.count {
                    condition.unlock()
                    continue
                }
            }
            let end = min(queue.count, queueHead + maxBatch)
            let batch = Array(queue[queueHead..<end])
            queueHead = end
            batchesRun += 1
            processing += batch.count
            inputsRun += batch.count
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            } else if queueHead > 1024 {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            condition.unlock()

            let results = process(batch.map(\.input))
            condition.lock()
            expectedLoad = processing + (queue.count - queueHead)
            processing -= batch.count
            condition.unlock()
            for (i, pending) in batch.enumerated() {
                let result = i < results.count ? results[i] : .failure(Stopped())
                pending.continuation.resume(with: result)
            }
        }
    }
}
