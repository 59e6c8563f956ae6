import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Bedrock control-plane routes of the local trainer (``ModelCustomizationJobs``), in the shapes of the Amazon
/// Bedrock API reference, signed for service `bedrock` like the runtime routes:
///
/// - `POST /model-customization-jobs` (CreateModelCustomizationJob) → 201 `{"jobArn"}`
/// - `GET /model-customization-jobs` (ListModelCustomizationJobs: `statusEquals`, `nameContains`, `sortOrder`,
///   `maxResults`, `nextToken`) → `{"modelCustomizationJobSummaries", "nextToken"?}`
/// - `GET /model-customization-jobs/{jobIdentifier}` (GetModelCustomizationJob)
/// - `POST /model-customization-jobs/{jobIdentifier}/stop` (StopModelCustomizationJob) → 200, empty body
/// - `POST /provisioned-model-throughput` (CreateProvisionedModelThroughput) → 201 `{"provisionedModelArn"}`
/// - `GET /provisioned-model-throughput/{provisionedModelId}` (GetProvisionedModelThroughput)
extension TitanLocalServer {
    func addCustomizationRoutes(to router: Router<BasicRequestContext>) {
        let jobs = customization
        router.post("/model-customization-jobs") { request, _ -> Response in
            await self.control(request, status: .created) { body in ["jobArn": try jobs.create(body: body)] }
        }
        router.get("/model-customization-jobs") { request, _ -> Response in
            await self.control(request) { _ in try Self.listResponse(jobs, query: request.uri.queryParameters) }
        }
        router.get("/model-customization-jobs/:jobIdentifier") { request, context -> Response in
            let id = Self.identifier(context.parameters.get("jobIdentifier"))
            return await self.control(request) { _ in try jobs.job(id).getResponse() }
        }
        router.post("/model-customization-jobs/:jobIdentifier/stop") { request, context -> Response in
            let id = Self.identifier(context.parameters.get("jobIdentifier"))
            return await self.control(request) { _ in
                try jobs.stop(id)
                return nil
            }
        }
        router.post("/provisioned-model-throughput") { request, _ -> Response in
            await self.control(request, status: .created) { body in ["provisionedModelArn": try jobs.createProvisioned(body: body)] }
        }
        router.get("/provisioned-model-throughput/:provisionedModelId") { request, context -> Response in
            let id = Self.identifier(context.parameters.get("provisionedModelId"))
            return await self.control(request) { _ in try jobs.provisionedModel(id).getResponse(foundationModelArn: jobs.baseModelArn) }
        }
    }

    /// Path parameters arrive percent-encoded (an ARN's `:` and `/`).
    static func identifier(_ raw: String?) -> String {
        let raw = raw ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func listResponse(_ jobs: ModelCustomizationJobs, query: Hummingbird.Parameters) throws(TitanLocalError) -> [String: Any] {
        var status: LocalCustomizationJob.Status?
        if let raw = query.get("statusEquals") {
            guard let s = LocalCustomizationJob.Status(rawValue: raw) else {
                throw TitanLocalError(.validation, "1 validation error detected: Value '\(raw)' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Completed, Failed, Stopping, Stopped]")
            }
            status = s
        }
        let (ascending, limit, offset) = try listPaging(query)
        let all = jobs.list(statusEquals: status, nameContains: query.get("nameContains"), ascending: ascending)
        let page = all.dropFirst(offset).prefix(limit)
        var out: [String: Any] = ["modelCustomizationJobSummaries": page.map { $0.summary() }]
        if offset + page.count < all.count { out["nextToken"] = String(offset + page.count) }
        return out
    }

    /// `sortOrder` (default Descending), `maxResults` (1...1000, default 100) and `nextToken` (an offset this server
    /// issued) of a List call, checked as Bedrock checks them.
    static func listPaging(_ query: Hummingbird.Parameters) throws(TitanLocalError) -> (ascending: Bool, limit: Int, offset: Int) {
        let order = query.get("sortOrder") ?? "Descending"
        guard order == "Ascending" || order == "Descending" else {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(order)' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [Ascending, Descending]")
        }
        var limit = 100
        if let raw = query.get("maxResults") {
            guard let n = Int(raw), (1...1000).contains(n) else {
                throw TitanLocalError(.validation, "1 validation error detected: Value '\(raw)' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000")
            }
            limit = n
        }
        var offset = 0
        if let raw = query.get("nextToken") {
            guard let n = Int(raw), n >= 0 else { throw TitanLocalError(.validation, "nextToken \(raw) is not a token this server issued") }
            offset = n
        }
        return (order == "Ascending", limit, offset)
    }

    /// Collects the body, verifies the signature, runs `operation` and answers its JSON object (nil: empty body),
    /// or the Bedrock error.
    func control(_ request: Request, status: HTTPResponse.Status = .ok,
                 _ operation: @Sendable ([UInt8]) async throws -> [String: Any]?) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        do {
            var request = request
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: 1 << 20) } catch {
                throw TitanLocalError(.validation, "the request body is larger than 1 MiB")
            }
            let body = Array(buffer.readableBytesView)
            try authenticate(request, body: body)
            var headers = standardHeaders(requestID: requestID)
            guard let object = try await operation(body) else { return Response(status: status, headers: headers) }
            headers[.contentType] = "application/json"
            let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        } catch {
            return errorResponse(for: error, requestID: requestID)
        }
    }
}
