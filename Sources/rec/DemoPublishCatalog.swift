import ArgumentParser
import Consumers
import Foundation
import Kafka

/// `rec demo …`: demo helpers (the lead wires the full `rec demo`).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Demo data.", subcommands: [DemoPublishCatalog.self])
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
        _ = try await KafkaAdmin(configuration: kafka).createTopic(topic, partitions: app.catalogPartitions)
        let products = DemoCatalog.products(count: count, seed: seed)
        if let dir = writeImages {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for p in products { if case .inline(let png)? = p.image { try Data(png).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(p.id).png")) } }
        }
        let producer = try KafkaProducer(configuration: kafka)
        defer { producer.close() }
        let events = DemoCatalog.events(products)
        var failed = 0
        for chunk in stride(from: 0, to: events.count, by: 200).map({ Array(events[$0..<min($0 + 200, events.count)]) }) {
            let results = await producer.sendAll(chunk.map { KafkaProducerRecord(topic: topic, key: Array($0.productID.utf8), value: $0.jsonBytes) })
            failed += results.filter { if case .failure = $0 { return true }; return false }.count
        }
        guard failed == 0 else { throw ValidationError("\(failed) of \(events.count) events were not acknowledged") }
        let cats = Set(products.flatMap(\.categories)).sorted()
        print("published \(events.count) products (\(cats.joined(separator: ", "))) to \(topic)")
    }
}
