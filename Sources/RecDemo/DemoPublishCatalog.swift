import RecApp
import ArgumentParser
import Consumers
import Foundation
import Kafka
import Logging

/// `rec demo …`: demo helpers (the lead wires the full `rec demo`).
public struct Demo: AsyncParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The end-to-end demo, and its pieces.",
        subcommands: [DemoRun.self, DemoPublishCatalog.self],
        defaultSubcommand: DemoRun.self
    )
}

/// `rec demo publish-catalog`: publishes a generated sample catalog (captions + procedurally drawn PNGs).
struct DemoPublishCatalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "publish-catalog",
                                                    abstract: "Publish a generated sample catalog (several categories, PNG images) to the catalog topic.")

    @Option(help: "Number of products.")
    var count: Int = 300
    @Option(help: "Catalog topic. Env REC_CATALOG_TOPIC; default catalog.v1.")
    var topic: String?
    @Option(help: "Generator seed (the same seed gives the same catalog).")
    var seed: UInt64 = 42
    @Option(help: "Also write the PNG images into this directory (to look at them).")
    var writeImages: String?

    func run() async throws {
        guard count > 0 else { throw ValidationError("count must be positive") }
        let app = try AppConfiguration.fromEnvironment()
        let kafka = try app.kafkaConfiguration()
        let topic = self.topic ?? app.catalogTopic
        try await app.ensureTopics(try app.catalogTopicSpecs(topic), logger: Logger(label: "rec.demo"))
        let products = DemoCatalog.products(count: count, seed: seed)
        if let dir = writeImages {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for p in products { if case .inline(let png)? = p.image { try Data(png).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(p.id).png")) } }
        }
        try await Self.publish(products, topic: topic, kafka: kafka)
        let cats = Set(products.flatMap(\.categories)).sorted()
        print("published \(products.count) products (\(cats.joined(separator: ", "))) to \(topic)")
    }

    /// Publishes `products` as upsert events keyed by product id, waiting for every broker ack.
    static func publish(_ products: [CatalogProduct], topic: String, kafka: KafkaConfiguration) async throws {
        let producer = try KafkaProducer(configuration: kafka)
        defer { producer.close() }
        let events = DemoCatalog.events(products)
        var failed = 0
        for chunk in stride(from: 0, to: events.count, by: 200).map({ Array(events[$0..<min($0 + 200, events.count)]) }) {
            let results = await producer.sendAll(chunk.map { KafkaProducerRecord(topic: topic, key: Array($0.productID.utf8), value: $0.jsonBytes) })
            failed += results.filter { if case .failure = $0 { return true }; return false }.count
        }
        guard failed == 0 else { throw ValidationError("\(failed) of \(events.count) events were not acknowledged") }
    }
}
