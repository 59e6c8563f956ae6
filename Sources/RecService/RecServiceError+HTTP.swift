import Hummingbird

extension RecServiceError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code.status) }

    /// `{"error":{"code","message"}}` with the code's status.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIErrorBody(code: code.description, message: message).response(status: status)
    }
}
