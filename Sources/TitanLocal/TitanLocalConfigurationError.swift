/// An invalid `rec titan-local` setting (bad option or environment value).
public struct TitanLocalConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
