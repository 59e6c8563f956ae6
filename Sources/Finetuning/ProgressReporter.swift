import Foundation

/// Progress lines on stderr for long runs: nothing during the first ``interval``, then one line per interval,
/// so short runs stay quiet and long ones show they are alive.
public final class ProgressReporter: @unchecked Sendable {
    /// Default: 2 s.
    public let interval: Duration
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var next: ContinuousClock.Instant
    public let start = ContinuousClock.now

    /// - Parameter write: where lines go. Default: stderr.
    public init(interval: Duration = .seconds(2), write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.interval = interval
        self.write = write
        self.next = start + interval
    }

    /// Writes `line()` when the interval has passed since the last line (the closure is not called otherwise).
    public func tick(_ line: () -> String) {
        let now = ContinuousClock.now
        lock.lock()
        guard now >= next else { lock.unlock(); return }
        next = now + interval
        lock.unlock()
        write(line())
    }

    /// Seconds since the start.
    public var elapsed: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// `n` per second so far, rounded and grouped (`12,345`).
    public func rate(_ n: Int) -> String {
        let e = elapsed
        return e > 0 ? Int((Double(n) / e).rounded()).grouped : "-"
    }
}
