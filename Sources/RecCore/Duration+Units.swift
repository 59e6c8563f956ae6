/// The project's one conversion of `Duration` to plain numbers (timers, C APIs, logs).
extension Duration {
    /// In seconds, with the fraction.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// In whole nanoseconds (truncated).
    public var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
    /// In whole milliseconds (truncated).
    public var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
