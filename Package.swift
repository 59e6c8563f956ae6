// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rec", targets: ["rec"]),
        .executable(name: "rec-bench", targets: ["rec-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        // Already resolved through Hummingbird; declared for NIOHTTPTypes (the HTTP parts RecService's connection guard observes).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
    ],
    targets: [
        // System libraries: shims only.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),

        // Half-precision widening with F16C (runtime-detected), for pgvector halfvec values.
        .target(name: "CHalf"),

        .target(name: "RecCore"),
        /// Offline evaluation: datasets, splits, metrics, baselines. Pure (RecCore only), so it builds in seconds.
        .target(name: "Evaluation", dependencies: ["RecCore"]),
        .target(name: "Postgres", dependencies: [
            "CLibPQ", "CHalf", "RecCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Kafka", dependencies: [
            "CRdKafka", "RecCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "BedrockClient", dependencies: [
            "CCurl", "COpenSSL", "RecCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        /// Loopback HTTP server and a fake Bedrock endpoint, shared by BedrockClientTests and `rec bench bedrock`.
        .target(name: "BedrockTestSupport", dependencies: ["BedrockClient"]),
        /// The local stack as integration tests see it: environment, throw-away schemas, the stack script.
        .target(name: "IntegrationTestSupport", dependencies: ["Postgres", "Kafka"]),
        .target(name: "TitanLocal", dependencies: [
            "RecCore", "BedrockClient", "COpenBLAS", "CPNG", "CJPEG",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        /// Embedding spaces (model, dimension, mode): the registry every process reads the live space from, and the rules of `rec models`.
        .target(name: "EmbeddingSpaces", dependencies: [
            "RecCore", "Postgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Profiles", dependencies: [
            "RecCore", "Postgres", "EmbeddingSpaces",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Consumers", dependencies: [
            "Kafka", "Postgres", "BedrockClient", "Profiles", "EmbeddingSpaces", "RecCore", "COpenSSL",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "RecService", dependencies: [
            "Postgres", "Kafka", "BedrockClient", "Profiles", "EmbeddingSpaces", "RecCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        /// The processes' configuration, read from the environment, shared by `rec` and `rec-bench`.
        .target(name: "RecApp", dependencies: [
            "RecCore", "Postgres", "Kafka", "BedrockClient", "TitanLocal", "Profiles", "Consumers", "RecService", "EmbeddingSpaces",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        /// `rec demo`: the end-to-end demo against the local stack.
        .target(name: "RecDemo", dependencies: [
            "RecApp", "RecCore", "Postgres", "Kafka", "BedrockClient", "Consumers", "RecService",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        /// The benchmarks of `rec-bench`, with the loopback Bedrock fake they measure against.
        .target(name: "RecBench", dependencies: [
            "RecApp", "RecCore", "Postgres", "Kafka", "BedrockClient", "BedrockTestSupport", "TitanLocal", "Profiles", "Consumers", "RecService",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        /// `rec finetune dataset`: Titan fine-tuning datasets from the catalog (export) and their checks (validate);
        /// `rec batch-embed`: the catalog as batch inference input, and the output stored in an embedding space.
        .target(name: "Finetuning", dependencies: [
            "Consumers", "BedrockClient", "EmbeddingSpaces", "Postgres", "RecCore", "TitanLocal",
        ]),
        /// The shipped binary: configuration and command wiring (no test support linked in).
        .executableTarget(name: "rec", dependencies: [
            "RecApp", "RecDemo", "RecCore", "Postgres", "Kafka", "BedrockClient", "TitanLocal", "Profiles", "Consumers", "RecService", "Evaluation", "Finetuning",
            "EmbeddingSpaces",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .executableTarget(name: "rec-bench", dependencies: [
            "RecBench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "RecCoreTests", dependencies: ["RecCore"]),
        .testTarget(name: "EmbeddingSpacesTests", dependencies: [
            "EmbeddingSpaces", "Postgres", "Kafka", "BedrockClient", "RecCore", "IntegrationTestSupport",
        ]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "RecCore"]),
        .testTarget(name: "ProfilesTests", dependencies: ["Profiles", "Postgres", "RecCore", "IntegrationTestSupport"]),
        .testTarget(name: "InteractionPipelineTests", dependencies: [
            "Consumers", "Profiles", "Kafka", "Postgres", "RecCore", "IntegrationTestSupport",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),


        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "CHalf", "RecCore", "IntegrationTestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "RecCore", "IntegrationTestSupport"]),
        .testTarget(name: "RecAppTests", dependencies: ["RecApp", "Kafka", "Postgres", "RecCore", "IntegrationTestSupport"]),
        .testTarget(name: "ConsumersTests", dependencies: [
            "Consumers", "Kafka", "Postgres", "BedrockClient", "BedrockTestSupport", "RecCore", "IntegrationTestSupport", "EmbeddingSpaces",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FinetuningTests", dependencies: [
            "Finetuning", "Consumers", "BedrockClient", "BedrockTestSupport", "TitanLocal", "EmbeddingSpaces", "Postgres", "RecCore", "IntegrationTestSupport",
        ]),
        .testTarget(name: "BedrockClientTests", dependencies: [
            "BedrockClient", "BedrockTestSupport", "RecCore",
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "TitanLocalTests", dependencies: [
            "TitanLocal", "Finetuning", "BedrockClient", "RecCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .testTarget(name: "RecServiceTests", dependencies: [
            "RecService", "Profiles", "Postgres", "Kafka", "BedrockClient", "BedrockTestSupport", "RecCore", "IntegrationTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
