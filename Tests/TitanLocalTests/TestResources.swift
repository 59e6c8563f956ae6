import Foundation
import TitanLocal

/// Locates the model files and the shared reference data for the tests.
enum TestResources {
    /// The repository root, derived from this file's path (Tests/TitanLocalTests/…).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var integrationRequired: Bool { ProcessInfo.processInfo.environment["REC_INTEGRATION"] == "1" }

    /// `REC_TITAN_MODEL_DIR`, else `<repo>/.stack/models/all-MiniLM-L6-v2`.
    static let modelDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["REC_TITAN_MODEL_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return repoRoot.appendingPathComponent(".stack/models/all-MiniLM-L6-v2")
    }()

    static var modelPresent: Bool {
        MiniLMModel.requiredFiles.allSatisfy {
            FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent($0).path)
        }
    }

    /// Model tests run when the files are there, and also (to fail loudly) when
    /// `REC_INTEGRATION=1` demands them.
    static var modelTestsEnabled: Bool { modelPresent || integrationRequired }

    /// `<repo>/../shared/minilm-reference.json` (CI clones the repo beside `shared/`).
    static let referenceURL: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/minilm-reference.json")

    /// One model for the whole test process (loading takes a moment).
    static let model: Result<MiniLMModel, any Error> = Result {
        guard modelPresent else {
            throw ModelMissing(message: "all-MiniLM-L6-v2 files not found in \(modelDirectory.path): run `deploy/local/stack install` or set REC_TITAN_MODEL_DIR")
        }
        return try MiniLMModel(directory: modelDirectory)
    }

    /// Runs blocking model work on its own thread, keeping the cooperative pool free for
    /// the server tests that run in parallel.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    struct ModelMissing: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
