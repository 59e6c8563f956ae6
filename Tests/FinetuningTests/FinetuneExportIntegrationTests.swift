import BedrockClient
import Consumers
import Foundation
import IntegrationTestSupport
import Postgres
import Testing
@testable import Finetuning

/// `rec finetune dataset export` against a fresh schema of the local stack's PostgreSQL, with `file://` images
/// inside a temporary `REC_IMAGE_FILE_DIR`; then the export is validated.
@Suite(.enabled(if: IntegrationStack.enabled), .serialized) struct FinetuneExportIntegrationTests {
    /// A catalog with one item per case, and twelve plain good ones.
    struct Catalog {
        let images: URL
        let outside: URL
        /// Items that should be exported, by id → caption.
        var exported: [String: String] = [:]

        init(pool: PostgresPool) async throws {
            images = try Fixtures.directory()
            outside = try Fixtures.directory()
            let a = try Fixtures.png(256, 256)
            func url(_ name: String, _ bytes: [UInt8], in dir: URL? = nil) throws -> String {
                try Fixtures.write(bytes, name, in: dir ?? images).absoluteString
            }
            func insert(_ id: String, _ title: String, _ description: String, _ imageURL: String?, deleted: Bool = false, imageError: String? = nil) async throws {
                _ = try await pool.query("""
                    INSERT INTO items (id, title, description, image_url, version_at, deleted_at, image_error)
                    VALUES (\(bind: id), \(bind: title), \(bind: description), \(bind: imageURL), now(), \(bind: deleted ? "2024-01-01T00:00:00Z" : nil)::timestamptz, \(bind: imageError))
                    """ as PostgresQuery)
            }
            try await insert("a-shirt", "Red shirt", "Cotton,   short sleeves.", try url("a.png", a))
            exported["a-shirt"] = CatalogCaption.make(title: "Red shirt", description: "Cotton,   short sleeves.").text
            try await insert("b-dress", "Blue dress!", "Linen.", try url("b.jpg", try Fixtures.jpeg(300, 200, progressive: true)))
            exported["b-dress"] = "Blue dress! Linen."
            let long = (0..<300).map { "word\($0 % 10)" }.joined(separator: " ")
            try await insert("c-long", "Long story", long, try url("c.png", try Fixtures.png(300, 300)))
            exported["c-long"] = CatalogCaption.make(title: "Long story", description: long).text
            try await insert("d-no-image", "Socks", "Wool.", nil)
            try await insert("e-tiny", "Tiny", "Too small an image.", try url("e.png", try Fixtures.png(64, 64)))
            try await insert("f-deleted", "Gone", "Deleted.", try url("f.png", try Fixtures.png(210, 210)), deleted: true)
            try await insert("g-copy", "Red shirt again", "The same photo as a-shirt.", try url("g.png", a))
            try await insert("h-outside", "Outside", "Not in the image directory.", try url("h.png", try Fixtures.png(220, 220), in: outside))
            try await insert("i-broken", "Broken", "Ingest gave up on its image.", try url("i.png", try Fixtures.png(230, 230)), imageError: "HTTP 404")
            try await insert("j-wide", "Banner", "A wide banner.", try url("j.png", try Fixtures.png(1000, 200)))
            for n in 0..<12 {
                try await insert("p\(n)", "Product \(n)", "Plain product number \(n).", try url("p\(n).png", try Fixtures.png(200 + n, 200)))
                exported["p\(n)"] = "Product \(n). Plain product number \(n)."
            }
        }

        func remove() {
            try? FileManager.default.removeItem(at: images)
            try? FileManager.default.removeItem(at: outside)
        }
    }

    static func lines(_ url: URL) throws -> [[String: String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String]
        }
    }

    @Test func exportsTheCatalogAndTheExportValidates() async throws {
        try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let catalog = try await Catalog(pool: pool)
            defer { catalog.remove() }
            let out = try Fixtures.directory()
            defer { try? FileManager.default.removeItem(at: out) }
            let split = try DatasetSplit(validationFraction: 0.5, seed: 42)
            let fetcher = ImageFetcher(transport: CurlHTTPTransport(), fileDirectory: try ImageFileDirectory(catalog.images.path))
            func export(limit: Int? = nil, into dir: URL = out) async throws -> FinetuneExportReport {
                try await FinetuneDatasetExporter(pool: pool, fetcher: fetcher,
                                                  options: .init(outputDirectory: dir.path, split: split, limit: limit, concurrency: 3, pageSize: 5)).run()
            }
            let report = try await export()
            #expect(report.itemsRead == 21, "every live item, the deleted one excepted")
            #expect(report.written == 15 && report.training + report.validation == 15)
            #expect(report.skipped[FinetuneDatasetExporter.noImageURL] == 1)
            #expect(report.skipped[FinetuneDatasetExporter.ingestImageError] == 1)
            #expect(report.skipped[FinetuneDatasetExporter.duplicateImage] == 1)
            #expect(report.skipped.first { $0.key.hasPrefix("image-side") }?.value == 1)
            #expect(report.skipped.first { $0.key.hasPrefix("aspect-ratio") }?.value == 1)
            #expect(report.skipped.first { $0.key.hasPrefix("image fetch failed") && $0.key.contains("no readable file") }?.value == 1)
            #expect(report.skippedTotal == 6)
            #expect(report.captionsCutToTokenLimit == 1)
            #expect(report.imagesStored == 15 && report.imagesAlreadyPresent == 0)
            #expect(report.warnings.count == (report.validation < 8 ? 2 : 1), "too few records: \(report.warnings)")

            // Each line is the item's ingest caption and an image of its own, on the side its id hashes to.
            let captionToID = Dictionary(uniqueKeysWithValues: catalog.exported.map { ($0.value, $0.key) })
            var seen = Set<String>()
            for (file, role) in [("train.jsonl", TitanFinetuningRules.Role.training), ("validation.jsonl", .validation)] {
                let lines = try Self.lines(out.appendingPathComponent(file))
                #expect(lines.count == (role == .training ? report.training : report.validation))
                for line in lines {
                    #expect(Set(line.keys) == ["image-ref", "caption"])
                    let id = try #require(captionToID[line["caption"]!], "unexpected caption \(line["caption"]!)")
                    #expect(split.role(of: id) == role, "\(id)")
                    #expect(line["image-ref"]!.hasPrefix("images/") && seen.insert(line["image-ref"]!).inserted)
                    let image = try Data(contentsOf: out.appendingPathComponent(line["image-ref"]!))
                    #expect(line["image-ref"]! == "images/" + SigV4Canonical.hexSHA256([UInt8](image)) + (id == "b-dress" ? ".jpg" : ".png"))
                }
                // The export passes its own validation, but for the record counts of a 21-item catalog.
                let v = try await DatasetValidator(role: role, baseDirectory: out.path).validate(path: out.appendingPathComponent(file).path)
                let expected: [DatasetRule] = role.recordRange.contains(lines.count) ? [] : [.recordCount]
                #expect(v.violations.filter { !$0.isWarning }.map(\.rule) == expected, "\(v.text())")
                #expect(v.records == lines.count && v.localRefs == lines.count)
            }
            #expect(Set(catalog.exported.values.compactMap { captionToID[$0] }).count == 15)
            let all = try Self.lines(out.appendingPathComponent("train.jsonl")) + Self.lines(out.appendingPathComponent("validation.jsonl"))
            let longCaption = try #require(all.first { $0["caption"]!.hasPrefix("Long story. word0") }?["caption"])
            #expect(TitanTokenEstimator.estimate(longCaption) <= TitanTokenEstimator.budget && longCaption.count < 400)

            // Deterministic: the same files again, no image written twice.
            let first = try Data(contentsOf: out.appendingPathComponent("train.jsonl"))
            let again = try await export()
            #expect(try Data(contentsOf: out.appendingPathComponent("train.jsonl")) == first)
            #expect(again.imagesStored == 0 && again.imagesAlreadyPresent == 15 && again.written == 15)
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("export.json").path))
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("train.jsonl.partial").path))

            // --limit: the first records in id order.
            let limited = try await export(limit: 3, into: out.appendingPathComponent("limited"))
            #expect(limited.written == 3)
        }
    }

    @Test func exportsToS3AndValidatesTheRefs() async throws {
        try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let catalog = try await Catalog(pool: pool)
            defer { catalog.remove() }
            let out = try Fixtures.directory()
            defer { try? FileManager.default.removeItem(at: out) }
            let s3 = try FakeS3()
            let fetcher = ImageFetcher(transport: CurlHTTPTransport(), fileDirectory: try ImageFileDirectory(catalog.images.path))
            func export(client: S3ObjectClient = s3.client()) async throws -> FinetuneDatasetExporter {
                FinetuneDatasetExporter(pool: pool, fetcher: fetcher, s3: client,
                                        options: .init(outputDirectory: out.path, split: try DatasetSplit(validationFraction: 0.3, seed: 1),
                                                       imageRefs: try .init("s3://shop-datasets/titan/v1/"), concurrency: 4))
            }
            let report = try await export().run()
            #expect(report.written == 15 && report.imagesStored == 15)
            #expect(s3.objects.current.count == 15 && s3.refused.current == 0)
            let lines = try Self.lines(out.appendingPathComponent("train.jsonl")) + Self.lines(out.appendingPathComponent("validation.jsonl"))
            for line in lines {
                let ref = line["image-ref"]!
                #expect(ref.hasPrefix("s3://shop-datasets/titan/v1/"))
                let object = try #require(s3.objects.current[String(ref.dropFirst(5))])
                #expect(SigV4Canonical.hexSHA256(object.body) == String(ref.split(separator: "/").last!.split(separator: ".")[0]))
                #expect(object.contentType == (ref.hasSuffix(".jpg") ? "image/jpeg" : "image/png"))
            }
            let v = try await DatasetValidator(role: .training, baseDirectory: out.path, s3: s3.client())
                .validate(path: out.appendingPathComponent("train.jsonl").path)
            #expect(v.s3RefsChecked == v.records && v.violations.filter { !$0.isWarning }.map(\.rule) == [.recordCount], "\(v.text())")

            // Again: every object is found by HEAD, nothing uploaded twice.
            let puts = s3.requests.current["PUT"]
            let again = try await export().run()
            #expect(again.imagesAlreadyPresent == 15 && s3.requests.current["PUT"] == puts)

            // S3 refusing the credentials stops the export with the reason.
            s3.objects.withLock { $0 = [:] }
            let e = await #expect(throws: FinetuneError.self) { try await export(client: s3.client(secret: "wrong")).run() }
            #expect(e?.code == .s3 && e?.message.contains("SignatureDoesNotMatch") == true)
        }
    }
}
