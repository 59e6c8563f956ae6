import Foundation
import Synchronization
import Testing
@testable import TitanLocal

@Suite("Dynamic batching")
struct BatchWorkerTests {
    /// Records batch sizes; the first batch blocks until released so that later inputs queue up.
    final class Probe: Sendable {
        let sizes = Mutex<[Int]>([])
        let gate = DispatchSemaphore(value: 0)
        let firstCall = Mutex(true)
    }

    @Test("inputs queued while the worker is busy run together, at most maxBatch at a time")
    func queuedInputsShareABatch() async throws {
        let probe = Probe()
        let worker = BatchWorker<Int, Int>(name: "test-batch", maxBatch: 8) { inputs in
            probe.sizes.withLock { $0.append(inputs.count) }
            if probe.firstCall.withLock({ first in defer { first = false }; return first }) { probe.gate.wait() }
            return inputs.map { .success($0 * 2) }
        }
        defer { worker.stop() }
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (0, try await worker.submit(0)) }
            // Wait until the first input is being processed, then queue 12 more.
            while probe.sizes.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
            for i in 1...12 { group.addTask { (i, try await worker.submit(i)) } }
            while worker.pendingCount < 12 { try await Task.sleep(for: .milliseconds(5)) }
            probe.gate.signal()
            var results: [Int: Int] = [:]
            for try await (i, r) in group { results[i] = r }
            #expect(results.count == 13)
            #expect(results.allSatisfy { $0.value == $0.key * 2 })
        }
        #expect(probe.sizes.withLock { $0 } == [1, 8, 4])
    }

    @Test("a partial batch waits for the callers seen in the previous batch", .timeLimit(.minutes(1)))
    func gathersExpectedCallers() async throws {
        let probe = Probe()
        let worker = BatchWorker<Int, Int>(name: "test-gather", maxBatch: 8, gatherWindow: .seconds(300)) { inputs in
            probe.sizes.withLock { $0.append(inputs.count) }
            if probe.firstCall.withLock({ first in defer { first = false }; return first }) { probe.gate.wait() }
            return inputs.map { .success($0) }
        }
        defer { worker.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await worker.submit(0) }
            while probe.sizes.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
            for i in 1...6 { group.addTask { try await worker.submit(i) } }
            while worker.pendingCount < 6 { try await Task.sleep(for: .milliseconds(5)) }
            // Demand was 7 (1 running + 6 queued): with 6 queued the worker waits for one more.
            probe.gate.signal()
            while !worker.isGathering { try await Task.sleep(for: .milliseconds(5)) }
            group.addTask { try await worker.submit(7) }
            var seen = 0
            for try await _ in group { seen += 1 }
            #expect(seen == 8)
        }
        #expect(probe.sizes.withLock { $0 } == [1, 7])
    }

    @Test("a lone caller is never held back by the gather window", .timeLimit(.minutes(1)))
    func loneCallerNotDelayed() async throws {
        let worker = BatchWorker<Int, Int>(name: "test-lone", maxBatch: 8, gatherWindow: .seconds(300)) { $0.map { .success($0 + 1) } }
        defer { worker.stop() }
        for i in 0..<5 {
            let r = try await worker.submit(i)
            #expect(r == i + 1)
        }
    }

    @Test("after stop, submissions fail instead of hanging")
    func stopFailsSubmissions() async {
        let worker = BatchWorker<Int, Int>(name: "test-stop", maxBatch: 4) { $0.map { .success($0) } }
        worker.stop()
        await #expect(throws: BatchWorker<Int, Int>.Stopped.self) { try await worker.submit(1) }
    }
}
