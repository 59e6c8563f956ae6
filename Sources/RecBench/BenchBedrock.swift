import RecApp
import ArgumentParser
import BedrockClient
import BedrockTestSupport
import Foundation

/// `rec bench bedrock`: throughput at 1 and 32 in flight, and the client's per-request overhead against a raw
/// libcurl loop on the same endpoint in the same run.
struct BenchBedrock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bedrock",
        abstract: "Benchmark the Bedrock Titan client against a loopback endpoint with simulated model latency."
    )

    @Option(help: "Simulated model latency of the in-process loopback endpoint, in milliseconds.")
    var latencyMs: Double = 20

    @Option(help: "Requests per single-flight measurement (raw curl and client each).")
    var requests: Int = 150

    @Option(help: "Requests in flight for the concurrent measurement.")
    var concurrency: Int = 32

    @Option(help: "Output dimensions (256, 384, 1024).")
    var dimensions: Int = 1024

    func run() async throws {
        let fake = try FakeBedrockEndpoint(latency: latencyMs / 1000)
        defer { fake.shutdown() }
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: fake.endpoint, dimensions: dimensions,
                                                    retryPolicy: .none, maxConcurrency: concurrency)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        let text = "a red leather running shoe with white soles"

        // The raw loop replays one pre-signed request (the endpoint checks signatures; 5 min skew is ample).
        let path = String(config.invokeURL().dropFirst(config.endpoint.count))
        let body = Array(try JSONEncoder().encode(TitanEmbeddingRequest(inputText: text, embeddingConfig: .init(outputEmbeddingLength: dimensions))))
        let host = String(fake.endpoint.dropFirst("http://".count))
        var headers: [(name: String, value: String)] = [("Host", host), ("Content-Type", "application/json"), ("Accept", "application/json")]
        headers += SigV4Signer(credentials: FakeBedrockEndpoint.credentials, region: "us-east-1", service: "bedrock")
            .sign(method: "POST", path: path, headers: headers, body: body, date: Date()).headersToAdd
        let raw = HTTPTransportRequest(method: "POST", url: config.invokeURL(), headers: headers, body: body)

        // Warm up both paths (connections, allocations).
        _ = await CurlBaseline.run(raw, count: 5)
        for _ in 0..<5 { _ = try await client.embed(text: text) }

        let baseline = await CurlBaseline.run(raw, count: requests)
        guard baseline.failures == 0 else { throw ValidationError("raw libcurl loop: \(baseline.failures) failed requests") }
        let rawPer = baseline.seconds / Double(requests)

        let start1 = ContinuousClock.now
        for _ in 0..<requests { _ = try await client.embed(text: text) }
        let single = (ContinuousClock.now - start1).seconds
        let clientPer = single / Double(requests)

        let total = requests * 4
        let startN = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var failed = 0
                    for i in stride(from: worker, to: total, by: concurrency) {
                        do { _ = try await client.embed(text: text + " \(i % 7)") } catch { failed += 1 }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        let concurrent = (ContinuousClock.now - startN).seconds
        guard failures == 0 else { throw ValidationError("\(failures) failed requests at \(concurrency) in flight") }

        let rps1 = Double(requests) / single
        let rpsN = Double(total) / concurrent
        let ratio = clientPer / rawPer
        let speedup = rpsN / rps1
        print("Bedrock client benchmark (loopback endpoint, \(Int(latencyMs)) ms simulated latency, \(dimensions)-d vectors)")
        print(String(format: "  raw libcurl loop, 1 in flight:   %8.1f req/s  (%.3f ms/request)", 1 / rawPer, rawPer * 1000))
        print(String(format: "  client, 1 in flight:             %8.1f req/s  (%.3f ms/request)", rps1, clientPer * 1000))
        print(String(format: "  client, %d in flight:            %8.1f req/s", concurrency, rpsN))
        print(String(format: "  client overhead per request:     %.3f ms (signing + JSON + transport)", (clientPer - rawPer) * 1000))
        print(String(format: "  overhead ratio client/raw:       %.3f   target <= 1.2   %@", ratio, ratio <= 1.2 ? "OK" : "MISSED"))
        print(String(format: "  %d-in-flight / single-flight:    %.1fx   target >= 8x    %@", concurrency, speedup, speedup >= 8 ? "OK" : "MISSED"))
    }

}
