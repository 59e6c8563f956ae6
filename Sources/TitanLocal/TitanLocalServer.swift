import RecCore
import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Bedrock-compatible HTTP front of ``TitanEmbedder``: `POST /model/{modelId}/invoke`
/// for `amazon.titan-embed-image-v1` (and the custom models of ``ModelCustomizationJobs``), the control-plane
/// routes of the local trainer (`TitanLocalServer+Customization.swift`) and `GET /health`.
///
/// Build the Hummingbird application with ``makeApplication(onServerRunning:)`` and run it
/// as a swift-service-lifecycle `Service` (`Application` is one) or with `runService()`.
public struct TitanLocalServer: Sendable {
    public let embedder: TitanEmbedder
    public let configuration: TitanLocalConfiguration
    /// Local fine-tuning jobs and the custom models they produced.
    public let customization: ModelCustomizationJobs
    /// Local batch inference jobs.
    public let batch: ModelInvocationJobs
    let logger: Logger
    private let faults: FaultInjector

    /// - Parameters:
    ///   - customization: the local trainer; default: an in-memory one without a dataset reader (its jobs fail,
    ///     saying so). Run it as a `Service` beside the application, or its jobs stay queued.
    ///   - batch: the batch inference jobs' settings (where they are kept); default: in memory. Run ``batch`` as a
    ///     `Service` beside the application, or its jobs stay `Submitted`.
    public init(embedder: TitanEmbedder, configuration: TitanLocalConfiguration, customization: ModelCustomizationJobs? = nil,
                batch: ModelInvocationJobs.Configuration = .init(), logger: Logger = Logger(label: "rec.titan-local")) {
        self.embedder = embedder
        self.configuration = configuration
        let customization = customization ?? ModelCustomizationJobs(embedder: embedder, reader: nil, logger: logger)
        self.customization = customization
        self.batch = ModelInvocationJobs(invoker: LocalModelInvoker(embedder: embedder, customization: customization), configuration: batch,
                                         logger: Logger(label: "rec.titan-local.batch"))
        self.logger = logger
        self.faults = FaultInjector(configuration.faults)
    }

    /// The router with both routes (also usable with HummingbirdTesting's `.router` setup).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            self.health()
        }
        router.post("/model/:modelId/invoke") { request, context -> Response in
            let rawModelID = context.parameters.get("modelId") ?? ""
            return await self.invoke(request, rawModelID: rawModelID)
        }
        addCustomizationRoutes(to: router)
        addBatchInferenceRoutes(to: router)
        return router
    }

    /// The application listening on the configured host and port.
    ///
    /// - Parameters:
    ///   - onServerRunning: called with the bound port once the server listens (useful with port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<BasicRequestContext>> {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "rec-titan-local"
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    var invoker: LocalModelInvoker { LocalModelInvoker(embedder: embedder, customization: customization) }

    // MARK: - Handlers

    func invoke(_ request: Request, rawModelID: String) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        let started = ContinuousClock.now
        do {
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
            } catch {
                throw TitanLocalError.validation("the request body is larger than \(configuration.maxBodyBytes) bytes")
            }
            let body = Array(buffer.readableBytesView)
            try authenticate(request, body: body)
            if configuration.faults.addedLatency > .zero {
                try? await Task.sleep(for: configuration.faults.addedLatency)
            }
            if let fault = faults.nextFault() { throw fault }
            let modelID = rawModelID.removingPercentEncoding ?? rawModelID
            let answer = try await invoker.invoke(modelID: modelID, body: body)
            var headers = standardHeaders(requestID: requestID)
            headers[.contentType] = "application/json"
            if let count = answer.inputTokenCount {
                headers[HTTPField.Name("X-Amzn-Bedrock-Input-Token-Count")!] = String(count)
            }
            headers[HTTPField.Name("X-Amzn-Bedrock-Invocation-Latency")!] = String((ContinuousClock.now - started).milliseconds)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        } catch {
            return errorResponse(for: error, requestID: requestID)
        }
    }

    /// The Bedrock-shaped answer to a failed request: a ``TitanLocalError`` as it is, a signature failure as the
    /// authentication error AWS sends, anything else as InternalServerException (logged).
    func errorResponse(for error: any Error, requestID: String) -> Response {
        switch error {
        case let error as TitanLocalError:
            if error.type.httpStatus >= 500 || error.type == .throttling {
                logger.debug("answering \(error.type.name)", metadata: ["requestId": "\(requestID)"])
            }
            return errorResponse(error, requestID: requestID)
        case let error as SigV4VerificationError:
            logger.info("rejected request signature: \(error.code)", metadata: ["requestId": "\(requestID)"])
            return errorResponse(TitanLocalError(error.bedrockErrorType, error.message), requestID: requestID)
        default:
            logger.error("internal error: \(error)", metadata: ["requestId": "\(requestID)"])
            return errorResponse(TitanLocalError(.internalServer, "The server encountered an internal error."), requestID: requestID)
        }
    }

    /// Verifies SigV4 against the request as it arrived (the raw path, the raw query,
    /// every header plus `host`, which HTTP/1 parsing moves into the authority).
    func authenticate(_ request: Request, body: [UInt8]) throws {
        guard case .sigV4(let verifier) = configuration.authentication else { return }
        var headers: [(name: String, value: String)] = request.headers.map { ($0.name.canonicalName, $0.value) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append(("host", authority))
        }
        try verifier.verify(method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query,
                            headers: headers, body: body, now: Date())
    }

    func health() -> Response {
        let auth: String
        switch configuration.authentication {
        case .none: auth = "none"
        case .sigV4(let v): auth = "sigv4 (region \(v.region), service \(v.service))"
        }
        let info = TitanLocalHealth(
            status: "ok",
            standIn: true,
            description: TitanLocalInfo.standInDescription,
            modelId: TitanModel.multimodalEmbeddingsV1,
            textModel: "all-MiniLM-L6-v2",
            modelDirectory: embedder.model.directory.path,
            dimensions: TitanModel.supportedDimensions.sorted(),
            novaModelId: NovaModel.multimodalEmbeddingsV1,
            novaDimensions: NovaModel.supportedDimensions.sorted(),
            imageDescriptorDimension: ImageDescriptor.dimension,
            vectorVersion: TitanLocalVectorVersion.of(modelDirectory: embedder.model.directory),
            authentication: auth,
            maxBatch: embedder.configuration.maxBatch,
            faults: .init(throttlingRate: configuration.faults.throttlingRate,
                          serverErrorRate: configuration.faults.serverErrorRate,
                          addedLatencyMilliseconds: Int(configuration.faults.addedLatency.milliseconds)),
            customModels: customization.customModels.map(\.modelArn)
        )
        var headers = standardHeaders(requestID: UUID().uuidString.lowercased())
        headers[.contentType] = "application/json"
        let json = (try? JSONEncoder().encode(info)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    func standardHeaders(requestID: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name(TitanLocalInfo.standInHeader)!] = TitanLocalInfo.standInDescription
        headers[HTTPField.Name("x-amzn-RequestId")!] = requestID
        return headers
    }

    func errorResponse(_ error: TitanLocalError, requestID: String) -> Response {
        var headers = standardHeaders(requestID: requestID)
        headers[.contentType] = "application/json"
        headers[HTTPField.Name(BedrockErrorType.headerName)!] = error.type.name
        let json = (try? JSONEncoder().encode(BedrockErrorBody(message: error.message))) ?? Data("{}".utf8)
        return Response(status: HTTPResponse.Status(code: error.type.httpStatus), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}
