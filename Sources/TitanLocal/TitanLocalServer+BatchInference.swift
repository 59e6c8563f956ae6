import BedrockClient
import Foundation
import Hummingbird

/// The Bedrock batch inference routes (``ModelInvocationJobs``), in the shapes of the Amazon Bedrock API reference
/// (the client's wire types: ``CreateModelInvocationJobRequest``, ``ModelInvocationJob``,
/// ``ModelInvocationJobList``), signed for service `bedrock` like every other route:
///
/// - `POST /model-invocation-job` (CreateModelInvocationJob) → 200 `{"jobArn"}`
/// - `GET /model-invocation-job/{jobIdentifier}` (GetModelInvocationJob)
/// - `GET /model-invocation-jobs` (ListModelInvocationJobs: `statusEquals`, `nameContains`, `sortOrder`,
///   `maxResults`, `nextToken`) → `{"invocationJobSummaries", "nextToken"?}`
/// - `POST /model-invocation-job/{jobIdentifier}/stop` (StopModelInvocationJob) → 200, empty body
extension TitanLocalServer {
    func addBatchInferenceRoutes(to router: Router<BasicRequestContext>) {
        let jobs = batch
        router.post("/model-invocation-job") { request, _ -> Response in
            await self.control(request) { body in ["jobArn": try jobs.create(body: body)] }
        }
        router.get("/model-invocation-jobs") { request, _ -> Response in
            await self.control(request) { _ in try Self.invocationListResponse(jobs, query: request.uri.queryParameters) }
        }
        router.get("/model-invocation-job/:jobIdentifier") { request, context -> Response in
            let id = Self.identifier(context.parameters.get("jobIdentifier"))
            return await self.control(request) { _ in try Self.object(try jobs.job(id).job) }
        }
        router.post("/model-invocation-job/:jobIdentifier/stop") { request, context -> Response in
            let id = Self.identifier(context.parameters.get("jobIdentifier"))
            return await self.control(request) { _ in
                try jobs.stop(id)
                return nil
            }
        }
    }

    static func invocationListResponse(_ jobs: ModelInvocationJobs, query: Hummingbird.Parameters) throws -> [String: Any] {
        let status = query.get("statusEquals")
        if let status, !ModelInvocationJobs.statuses.contains(status) {
            throw TitanLocalError(.validation, "1 validation error detected: Value '\(status)' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [\(ModelInvocationJobs.statuses.joined(separator: ", "))]")
        }
        let (ascending, limit, offset) = try listPaging(query)
        let all = jobs.list(statusEquals: status, nameContains: query.get("nameContains"), ascending: ascending)
        let page = all.dropFirst(offset).prefix(limit)
        var out: [String: Any] = ["invocationJobSummaries": try page.map { try object($0.job) }]
        if offset + page.count < all.count { out["nextToken"] = String(offset + page.count) }
        return out
    }

    /// A wire type as the JSON object ``control(_:status:_:)`` answers.
    static func object(_ value: some Encodable) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] ?? [:]
    }
}
