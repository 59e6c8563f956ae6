import Foundation
import Testing
@testable import Finetuning

/// Every rule of the validator, each on a small fixture generated in a temporary directory.
@Suite struct DatasetValidatorTests {
    /// A directory with images for the rules, removed at the end of each test.
    final class Workspace {
        let dir: URL
        init() throws {
            dir = try Fixtures.directory()
            _ = try Fixtures.write(try Fixtures.png(256, 256), "ok.png", in: dir)
            _ = try Fixtures.write(try Fixtures.jpeg(320, 240, progressive: true), "ok.jpg", in: dir)
        }
        deinit { try? FileManager.default.removeItem(at: dir) }

        func image(_ name: String, _ bytes: [UInt8]) throws { _ = try Fixtures.write(bytes, name, in: dir) }

        /// Writes `lines` (joined by newlines, one at the end) and validates them.
        func validate(_ lines: [String], role: TitanFinetuningRules.Role = .validation, name: String = "data.jsonl",
                      s3: S3ObjectClient? = nil) async throws -> DatasetValidationReport {
            try await validate(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), role: role, name: name, s3: s3)
        }

        func validate(bytes: [UInt8], role: TitanFinetuningRules.Role = .validation, name: String = "data.jsonl",
                      s3: S3ObjectClient? = nil) async throws -> DatasetValidationReport {
            let file = try Fixtures.write(bytes, name, in: dir)
            return try await DatasetValidator(role: role, baseDirectory: dir.path, s3: s3).validate(path: file.path)
        }
    }

    /// `n` good records with distinct refs (symlinks to one image) and captions.
    static func good(_ w: Workspace, _ n: Int, tag: String = "g") throws -> [String] {
        try (0..<n).map { Fixtures.line(try link(w, "ok.png", as: "\(tag)\($0).png"), "a red cotton shirt, \(tag) number \($0)") }
    }

    static func rules(_ r: DatasetValidationReport) -> [Int: [DatasetRule]] {
        Dictionary(grouping: r.violations, by: \.line).mapValues { $0.map(\.rule) }
    }

    @Test func aValidFileHasNoErrors() async throws {
        let w = try Workspace()
        var lines = (0..<7).map { Fixtures.line(try! Self.link(w, "ok.png", as: "img\($0).png"), "a red cotton shirt, size \($0)") }
        lines.append(Fixtures.line("ok.jpg", "a blue linen dress"))
        let r = try await w.validate(lines)
        #expect(r.isValid, "\(r.text())")
        #expect(r.records == 8 && r.errors == 0)
        #expect(r.violations.map(\.rule) == [.localRef], "only the reminder that Bedrock needs S3 refs")
        #expect(r.counts["local-ref"] == 8)
    }

    /// Another name for an existing image (a symlink), so that refs differ.
    static func link(_ w: Workspace, _ target: String, as name: String) throws -> String {
        let url = w.dir.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: w.dir.appendingPathComponent(target).path)
        }
        return name
    }

    @Test func imageRules() async throws {
        let w = try Workspace()
        try w.image("small.png", try Fixtures.png(100, 300))           // side
        try w.image("wide.png", try Fixtures.png(1200, 200))           // aspect 6
        try w.image("huge.png", try Fixtures.png(4200, 1000))          // side 4200, aspect 4.2, 12.6 M pixel values
        try w.image("many-pixels.png", try Fixtures.png(2100, 2100))   // sides and aspect fine, 13.2 M pixel values
        try w.image("heavy.png", try Fixtures.noisyPNG(1400, 1400))    // 5.9 MB
        try w.image("anim.png", Fixtures.gif)                          // a GIF named .png
        try w.image("cut.jpg", Array(try Fixtures.jpeg(400, 300).dropLast(200)))
        try w.image("broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10])
        try w.image("photo.jpg", try Fixtures.png(300, 300))           // a PNG named .jpg: a warning
        let r = try await w.validate([
            Fixtures.line("small.png", "one"),
            Fixtures.line("wide.png", "two"),
            Fixtures.line("huge.png", "three"),
            Fixtures.line("many-pixels.png", "four"),
            Fixtures.line("heavy.png", "five"),
            Fixtures.line("anim.png", "six"),
            Fixtures.line("cut.jpg", "seven"),
            Fixtures.line("broken.jpg", "eight"),
            Fixtures.line("photo.jpg", "nine"),
            Fixtures.line("missing.png", "ten"),
        ])
        let rules = Self.rules(r)
        #expect(rules[1] == [.imageSide])
        #expect(rules[2] == [.aspectRatio])
        #expect(Set(rules[3] ?? []) == [.imageSide, .aspectRatio, .pixelValues])
        #expect(rules[4] == [.pixelValues])
        #expect(rules[5] == [.imageBytes])
        #expect(rules[6] == [.imageFormat])
        #expect(r.violations.first { $0.line == 6 }?.message.contains("GIF") == true)
        #expect(rules[7] == [.imageCorrupt])
        #expect(rules[8] == [.imageCorrupt])
        #expect(rules[9] == [.extensionMismatch])
        #expect(rules[10] == [.unreadableRef])
        #expect(!r.isValid)
        #expect(r.violations.first { $0.line == 1 }?.message == "the image is 100 × 300 px; each side must be 128–4096 px")
    }

    @Test func captionRules() async throws {
        let w = try Workspace()
        let words = (0..<200).map { _ in "shirt" }.joined(separator: " ")         // ~400 estimated tokens, 1,199 characters
        let long = String(repeating: "a ", count: 1_300) + "end"                 // 2,603 characters, 1,301 tokens
        let exactly = String(repeating: "abcd ", count: 120).dropLast()          // 120 tokens by the estimate: allowed
        let r = try await w.validate([
            Fixtures.line(try Self.link(w, "ok.png", as: "a.png"), words),
            Fixtures.line(try Self.link(w, "ok.png", as: "b.png"), long),
            Fixtures.line(try Self.link(w, "ok.png", as: "c.png"), String(exactly)),
            Fixtures.line(try Self.link(w, "ok.png", as: "d.png"), ""),
        ] + Self.good(w, 4))
        let rules = Self.rules(r)
        #expect(rules[1] == [.captionTokens])
        #expect(r.violations.first { $0.line == 1 }?.message.contains("estimate") == true)
        #expect(Set(rules[2] ?? []) == [.captionCharacters, .captionTokens])
        #expect(rules[3] == nil, "120 estimated tokens fit the budget")
        #expect(rules[4] == nil, "an empty caption is allowed (0–2,560 characters)")
    }

    @Test func jsonAndKeyRules() async throws {
        let w = try Workspace()
        for k in ["k4.png", "k5.png", "k6.png"] { _ = try Self.link(w, "ok.png", as: k) }
        var lines = [
            #"{"image-ref": "ok.png", "caption": "fine"}"#,           // 1
            "not json",                                               // 2
            #"["ok.png", "caption"]"#,                                // 3
            #"{"image-ref": "k4.png"}"#,                              // 4: missing caption
            #"{"image-ref": "k5.png", "caption": "x", "label": 1}"#,  // 5: extra key
            #"{"image-ref": "k6.png", "caption": 42}"#,               // 6: not a string
            "",                                                       // 7: empty line
            #"{"image-ref": null, "caption": "y"}"#,                  // 8
            #"{"image-ref": "ok.png", "caption": "fine"}"#,           // 9: same record as line 1
            #"{"image-ref": "ok.png", "caption": "other"}"#,          // 10: same image as line 1
            #"{"image-ref": "https://example.com/a.png", "caption": "web"}"#, // 11
            #"{"image-ref": "s3://bucket-only", "caption": "s3"}"#,    // 12
            #"{"image-ref": "", "caption": "nothing"}"#,              // 13
        ]
        lines.append(#"{"image-ref": "ok.jpg", "caption": ""# + String(repeating: "z", count: 70_000) + #""}"#) // 14: over the line limit
        var bytes = Array((lines.joined(separator: "\n") + "\r\n").utf8)
        bytes += [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A] // 15: invalid UTF-8
        bytes += Array(#"{"image-ref": "s3://bucket/key.png", "caption": "no newline at the end"}"#.utf8) // 16
        let r = try await w.validate(bytes: bytes)
        let rules = Self.rules(r)
        #expect(rules[1] == nil)
        #expect(rules[2] == [.json] && rules[3] == [.json])
        #expect(rules[4] == [.keys] && rules[5] == [.keys] && rules[6] == [.keys])
        #expect(r.violations.first { $0.line == 5 }?.message.contains("\"label\"") == true)
        #expect(rules[7] == [.json])
        #expect(rules[8] == [.keys])
        #expect(rules[9] == [.duplicateRecord] && rules[10] == [.duplicateImage])
        #expect(r.violations.first { $0.line == 9 }?.message.contains("line 1") == true)
        #expect(rules[11] == [.unreadableRef] && rules[12] == [.unreadableRef] && rules[13] == [.unreadableRef])
        #expect(rules[14] == [.json])
        #expect(rules[15] == [.json])
        #expect(rules[16] == nil, "s3 refs are checked after the stream")
        #expect(r.lines == 16 && r.records == 15, "the empty line is not a record")
        #expect(r.violations.contains { $0.line == 0 && $0.rule == .notChecked && $0.message.contains("no S3 access") })
        #expect(r.counts["not-checked"] == 1)
    }

    @Test func byteOrderMark() async throws {
        let w = try Workspace()
        let r = try await w.validate(bytes: [0xEF, 0xBB, 0xBF] + Array((try Self.good(w, 8).joined(separator: "\n")).utf8))
        #expect(Self.rules(r)[1] == [.json])
    }

    @Test func recordCounts() async throws {
        let w = try Workspace()
        // 1,000 distinct refs (symlinks to one image) with distinct captions: the smallest valid training file.
        try FileManager.default.createDirectory(at: w.dir.appendingPathComponent("links"), withIntermediateDirectories: true)
        var lines: [String] = []
        for i in 0..<1_000 { lines.append(Fixtures.line(try Self.link(w, "ok.png", as: "links/\(i).png"), "product number \(i)")) }
        let valid = try await w.validate(lines, role: .training, name: "train.jsonl")
        #expect(valid.isValid, "\(valid.text().prefix(2000))")
        #expect(valid.records == 1_000)
        let short = try await w.validate(Array(lines.prefix(999)), role: .training, name: "train.jsonl")
        #expect(short.violations.filter { !$0.isWarning }.map(\.rule) == [.recordCount])
        #expect(short.violations.first { $0.rule == .recordCount }?.line == 0)
        // Validation files: 8 to 50,000.
        let eight = try await w.validate(Array(lines.prefix(8)), role: .validation)
        #expect(eight.isValid)
        let seven = try await w.validate(Array(lines.prefix(7)), role: .validation)
        #expect(seven.violations.filter { !$0.isWarning }.map(\.rule) == [.recordCount])
    }

    @Test func jsonReport() async throws {
        let w = try Workspace()
        let r = try await w.validate(["not json"] + (try Self.good(w, 7)))
        let object = try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == false)
        #expect((object?["counts"] as? [String: Any])?["json"] as? Int == 1)
        let first = (object?["violations"] as? [[String: Any]])?.first
        #expect(first?["line"] as? Int == 1 && first?["rule"] as? String == "json")
        #expect(object?["tokenCountsAreEstimates"] as? Bool == true)
        #expect(r.text().contains("data.jsonl:1: error: json: not valid JSON"))
    }

    @Test func missingFileIsAnIOError() async throws {
        await #expect(throws: FinetuneError.self) {
            try await DatasetValidator(role: .training, baseDirectory: "/").validate(path: "/nonexistent/train.jsonl")
        }
    }
}
