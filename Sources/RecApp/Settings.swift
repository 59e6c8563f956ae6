/// Every setting `rec` reads from its environment: the single source of the configuration reference and of
/// `rec config check`. A test checks that every variable name the sources read is listed here, and that
/// `docs/configuration.md` is this table.
public enum Settings {
    private typealias P = Setting.Process
    private static let workers: [P] = [.serve, .products, .interactions]
    private static let model: [P] = [.serve, .interactions, .tools]

    public static let all: [Setting] = connections + topics + http + embedding + aws + catalog + profiles + ranking + titanLocal + tests

    static let connections: [Setting] = [
        Setting("DATABASE_URL", .connections, workers + [.tools], default: "none (required)", range: "libpq URI; TLS: `sslmode=verify-full&sslrootcert=<CA file>`",
                secrecy: .urlWithPassword, "PostgreSQL with pgvector. Use a role with the rights of migrations/ for `rec migrate`, plain DML rights for the rest."),
        Setting("REC_DB_POOL_SIZE", .connections, workers + [.tools], flag: "--pool-size (serve)", unit: "connections", default: "8", range: "1...",
                "Database connections per process."),
        Setting("REC_MIGRATIONS_DIR", .connections, [.tools], default: "./migrations, else the build's repository", range: "directory",
                "Where `rec migrate` finds its SQL files."),
        Setting("KAFKA_BROKERS", .connections, workers + [.tools], default: "none (required)", range: "host:port,...",
                "Bootstrap servers (`bootstrap.servers`)."),
        Setting("REC_KAFKA_AUTH", .connections, workers + [.tools], default: "none", range: "none, msk-iam",
                "`msk-iam`: Amazon MSK IAM access control: SASL/OAUTHBEARER tokens signed with the process's AWS credentials (the role of the pod, task or instance; no keys in files), refreshed before they expire; sets `security.protocol=SASL_SSL` unless KAFKA_SECURITY_PROTOCOL says otherwise. Other SASL and TLS setups are `KAFKA_*` properties."),
        Setting("REC_KAFKA_MSK_REGION", .connections, workers + [.tools], default: "AWS_REGION", range: "region",
                "The MSK cluster's region, when it differs from AWS_REGION."),
        Setting("KAFKA_<PROPERTY>", .connections, workers + [.tools], default: "librdkafka's", range: "any librdkafka property",
                "Passed to librdkafka with `_` → `.` and lower case: `KAFKA_SECURITY_PROTOCOL=SASL_SSL` → `security.protocol`. Each goes to the producers and/or consumers its librdkafka scope names (no CONFWARN). Values of properties named like passwords, secrets, keys or tokens are redacted."),
    ]

    static let topics: [Setting] = [
        Setting("REC_CATALOG_TOPIC", .topics, [.products, .tools], flag: "--topic (consume products)", default: "catalog.v1", range: "topic name", shared: true,
                "The catalog topic; its dead letters go to `<topic>.dlq`."),
        Setting("REC_CATALOG_GROUP", .topics, [.products], flag: "--group (consume products)", default: "rec-products", range: "group id",
                "The catalog consumer group."),
        Setting("REC_EVENTS_TOPIC", .topics, [.serve, .interactions, .tools], flag: "--topic (consume interactions)", default: "interactions.v1", range: "topic name", shared: true,
                "Where `POST /v1/events` produces and the interaction consumer reads; dead letters go to `<topic>.dlq`."),
        Setting("REC_INTERACTIONS_GROUP", .topics, [.interactions], flag: "--group (consume interactions)", default: "rec-interactions", range: "group id",
                "The interaction consumer group."),
        Setting("REC_CATALOG_PARTITIONS", .topics, [.products, .tools], unit: "partitions", default: "6", range: "1...10000",
                "Partitions of the catalog topic when a consumer creates it (the ceiling of catalog consumer instances)."),
        Setting("REC_EVENTS_PARTITIONS", .topics, [.serve, .interactions, .tools], unit: "partitions", default: "6", range: "1...10000",
                "Partitions of the events topic when a process creates it (the ceiling of interaction consumer instances)."),
        Setting("REC_TOPIC_REPLICATION", .topics, [.serve, .products, .interactions, .tools], unit: "replicas", default: "broker default", range: "1...32, or -1 for the broker's default",
                "Replication factor of the topics a process creates (topics and their `.dlq`)."),
        Setting("REC_CREATE_TOPICS", .topics, [.serve, .products, .interactions, .tools], default: "on", range: "on, off",
                "`on`: create missing topics. `off`: only check they exist (for principals without the Create permission) and stop with a clear error when one is missing."),
    ]

    static let http: [Setting] = [
        Setting("REC_HTTP_HOST", .http, [.serve, .products, .interactions], flag: "--host (serve)", default: "127.0.0.1", range: "address",
                "Address `rec serve` binds (and the consumers' metrics endpoint). `0.0.0.0` in containers."),
        Setting("REC_HTTP_PORT", .http, [.serve, .tools], flag: "--port (serve)", unit: "port", default: "28080", range: "0...65535",
                "Port of `rec serve` (0: any free port)."),
        Setting("REC_METRICS_PORT", .http, [.products, .interactions], unit: "port", default: "off", range: "1...65535",
                "Where `rec consume` serves `/metrics`, `/health` and `/ready`."),
        Setting("REC_AUTH", .http, [.serve], flag: "--no-auth (serve)", default: "on", range: "on, off",
                "API keys required (`off`: local use only)."),
        Setting("REC_API_KEY", .http, [.tools], default: "none", secrecy: .secret,
                "The key `rec demo` calls the API with."),
        Setting("REC_DEMO_CONSOLE_KEY", .http, [.tools], default: "none", secrecy: .secret,
                "An admin key `rec demo run` prints at the end with the web console's URL (`deploy/local/stack demo` creates one)."),
        Setting("REC_HTTP_HEADER_TIMEOUT_S", .http, [.serve], flag: "--header-timeout", unit: "seconds", default: "10", range: "(0, 86400]",
                "Time for a whole request head, from accept or its first byte (408 after)."),
        Setting("REC_HTTP_BODY_TIMEOUT_S", .http, [.serve], flag: "--body-timeout", unit: "seconds", default: "30", range: "(0, 86400]",
                "Time for a whole request body, from its head (408 after)."),
        Setting("REC_HTTP_IDLE_TIMEOUT_S", .http, [.serve], flag: "--idle-timeout", unit: "seconds", default: "75", range: "(0, 86400]",
                "How long a keep-alive connection may wait for its next request."),
        Setting("REC_HTTP_MAX_CONNECTIONS", .http, [.serve], flag: "--max-connections", unit: "connections", default: "half the open-file limit, 16...4096", range: "1...",
                "Open connections at most."),
        Setting("REC_HTTP_MAX_CONNECTIONS_PER_CLIENT", .http, [.serve], flag: "--max-connections-per-client", unit: "connections", default: "an eighth of the limit", range: "1...",
                "Open connections per IPv4 address or IPv6 /64."),
        Setting("REC_CONSOLE", .http, [.serve], default: "on", range: "on, off",
                "The web console under `/console` (admin API keys; docs/console.md). `off`: not served."),
        Setting("REC_CONSOLE_METRICS_URLS", .http, [.serve], default: "none", range: "comma-separated http(s) URLs, each optionally `name=URL`",
                "Prometheus endpoints of other processes that the console's pipeline view reads through serve, such as the consumers' (`consume=http://127.0.0.1:28090/metrics`, their REC_METRICS_PORT). Only these URLs are fetched (no redirects, 2 s, 4 MB; only consumer and Bedrock metric families are kept): requests never name a URL."),
    ]

    static let embedding: [Setting] = [
        Setting("BEDROCK_EMBEDDING_DIMENSIONS", .embedding, [.serve, .products, .interactions, .tools], flag: "--dimensions (consume products)", unit: "dimensions",
                default: "1024", range: "256, 384, 1024; 3072 with Nova", shared: true,
                "The dimension of the embedding space `default`, which the first process registers on an empty database (docs/models.md); afterwards the registered spaces decide what ingest stores, profiles are built in and serve queries (`rec models`). One value for every process."),
        Setting("BEDROCK_MODEL_ID", .embedding, [.serve, .products, .interactions, .tools], default: "amazon.titan-embed-image-v1",
                range: "amazon.titan-embed-image-v1, amazon.nova-2-multimodal-embeddings-v1:0, or a custom/provisioned model ARN", shared: true,
                "The model of the embedding space `default` (registered on an empty database; afterwards each space names its own model, docs/models.md); part of the embedding cache's key; its id also picks the model family."),
        Setting("BEDROCK_MODEL_FAMILY", .embedding, [.serve, .products, .tools], default: "from BEDROCK_MODEL_ID", range: "titan, nova", shared: true,
                "The request schema the model speaks. Required when BEDROCK_MODEL_ID is a custom or provisioned model ARN; must agree with a base model id. A space of a base model speaks that model's family; a space of a custom or provisioned model ARN speaks this one."),
        Setting("REC_EMBEDDING_SPACE_REFRESH_S", .embedding, [.serve, .products, .interactions, .tools], unit: "seconds", default: "2", range: "(0, 3600]",
                "How often a process re-reads the embedding spaces: a switch-over (`rec models activate`) or a new space reaches it within this time (docs/models.md)."),
        Setting("BEDROCK_MAX_CONCURRENCY", .embedding, [.serve, .products, .tools], unit: "requests", default: "16", range: "1...",
                "Embedding requests in flight per process."),
        Setting("BEDROCK_REQUESTS_PER_MINUTE", .embedding, [.serve, .products, .tools], unit: "requests/minute", default: "unlimited", range: "1...",
                "Client-side rate limit (set it to your Bedrock quota share)."),
        Setting("BEDROCK_CONNECT_TIMEOUT_SECONDS", .embedding, [.serve, .products, .tools], unit: "seconds", default: "3", range: "(0, ...)",
                "Connect timeout of embedding requests."),
        Setting("BEDROCK_REQUEST_TIMEOUT_SECONDS", .embedding, [.serve, .products, .tools], unit: "seconds", default: "30", range: "(0, ...)",
                "Whole-request timeout of embedding requests."),
        Setting("BEDROCK_TEXT_POLICY", .embedding, [.serve, .products, .tools], default: "truncate", range: "truncate, reject, passThrough",
                "Captions over the model's text limit (Titan: 128 tokens; Nova: 8,192 characters): cut them, refuse the product, or send them as they are."),
        Setting("AWS_REGION", .embedding, [.serve, .products, .titanLocal, .tools], default: "AWS_DEFAULT_REGION, the profile's, else us-east-1", range: "region",
                "Bedrock's region (and SigV4's)."),
        Setting("AWS_DEFAULT_REGION", .embedding, [.serve, .products, .titanLocal, .tools], default: "none", range: "region", "Fallback for AWS_REGION."),
        Setting("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", .embedding, [.serve, .products, .tools], default: "regional Bedrock runtime", range: "http(s) URL",
                "Another endpoint (titan-local: `http://127.0.0.1:28087`)."),
        Setting("AWS_ENDPOINT_URL_BEDROCK", .embedding, [.tools], default: "https://bedrock.<AWS_REGION>.amazonaws.com", range: "http(s) URL",
                "The Bedrock control plane of `rec finetune start|status|list|stop|provision` and `rec batch-embed` (model customization, batch inference, provisioned throughput; titan-local runs both locally: `http://127.0.0.1:28087`)."),
        Setting("AWS_ENDPOINT_URL", .embedding, [.serve, .products, .tools], default: "none", range: "http(s) URL", "Fallback for AWS_ENDPOINT_URL_BEDROCK_RUNTIME and AWS_ENDPOINT_URL_BEDROCK."),
        Setting("AWS_ENDPOINT_URL_S3", .embedding, [.serve, .products, .tools], default: "regional virtual-hosted S3", range: "http(s) URL",
                "Path-style S3 endpoint for `s3://` image URLs (ingest, the console's image proxy), and for `rec finetune dataset`'s uploads and checks."),
        Setting("AWS_MAX_ATTEMPTS", .embedding, [.serve, .products, .tools], unit: "attempts", default: "3", range: "1...",
                "Attempts per embedding request (throttling and 5xx are retried with backoff)."),
    ]

    static let aws: [Setting] = [
        Setting("AWS_ACCESS_KEY_ID", .aws, [.serve, .products, .titanLocal, .tools], default: "none", secrecy: .secret,
                "Static credentials (prefer roles: container credentials or the instance profile, below). titan-local checks signatures with them."),
        Setting("AWS_SECRET_ACCESS_KEY", .aws, [.serve, .products, .titanLocal, .tools], default: "none", secrecy: .secret, "Static credentials' secret."),
        Setting("AWS_SESSION_TOKEN", .aws, [.serve, .products, .tools], default: "none", secrecy: .secret, "Temporary credentials' token."),
        Setting("AWS_PROFILE", .aws, [.serve, .products, .tools], default: "default", range: "profile name", "Shared config/credentials profile."),
        Setting("AWS_SHARED_CREDENTIALS_FILE", .aws, [.serve, .products, .tools], default: "~/.aws/credentials", range: "path", "Shared credentials file."),
        Setting("AWS_CONFIG_FILE", .aws, [.serve, .products, .tools], default: "~/.aws/config", range: "path", "Shared config file."),
        Setting("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", .aws, [.serve, .products, .tools], default: "set by ECS", range: "path",
                "ECS task role credentials."),
        Setting("AWS_CONTAINER_CREDENTIALS_FULL_URI", .aws, [.serve, .products, .tools], default: "set by EKS Pod Identity", range: "URL",
                "EKS Pod Identity / container credentials endpoint."),
        Setting("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", .aws, [.serve, .products, .tools], default: "set by EKS Pod Identity", range: "path",
                "Token file for the container credentials endpoint."),
        Setting("AWS_WEB_IDENTITY_TOKEN_FILE", .aws, [.serve, .products, .tools], default: "set by EKS IRSA", range: "path",
                "OIDC token file exchanged with STS AssumeRoleWithWebIdentity for AWS_ROLE_ARN's credentials (EKS IAM roles for service accounts); re-read at every refresh."),
        Setting("AWS_ROLE_ARN", .aws, [.serve, .products, .tools], default: "set by EKS IRSA", range: "role ARN", "The role the web identity assumes."),
        Setting("AWS_ROLE_SESSION_NAME", .aws, [.serve, .products, .tools], default: "rec-<unix time>", range: "2...64 characters", "Session name of the assumed role (CloudTrail)."),
        Setting("AWS_ENDPOINT_URL_STS", .aws, [.serve, .products, .tools], default: "https://sts.<AWS_REGION>.amazonaws.com", range: "http(s) URL", "STS endpoint for the web identity exchange."),
        Setting("AWS_CONTAINER_AUTHORIZATION_TOKEN", .aws, [.serve, .products, .tools], default: "none", secrecy: .secret,
                "Token for the container credentials endpoint."),
        Setting("AWS_EC2_METADATA_DISABLED", .aws, [.serve, .products, .tools], default: "false", range: "true, false",
                "Turn off the instance profile (IMDSv2) lookup."),
        Setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", .aws, [.serve, .products, .tools], default: "http://169.254.169.254", range: "URL",
                "Instance metadata endpoint."),
    ]

    static let catalog: [Setting] = [
        Setting("REC_EMBEDDING_MODE", .catalog, [.serve, .products, .interactions, .tools], flag: "--mode (consume products)", default: "fused", range: "fused, separate", shared: true,
                "The mode of the embedding space `default` (registered on an empty database; afterwards each space has its own): `fused`: one vector per product from caption and image (kind `fused`). `separate`: kinds `text` and `image`. Serve's REC_EMBEDDING_KIND must be a kind ingest stores."),
        Setting("REC_BROKEN_IMAGES", .catalog, [.products], flag: "--broken-images (consume products)", default: "text-only", range: "text-only, dead-letter",
                "A product whose image cannot be used: store it text-only with the reason, or dead-letter it."),
        Setting("REC_IMAGE_ALLOW_CIDRS", .catalog, [.products, .serve, .tools], default: "none: public addresses only", range: "comma-separated CIDR blocks",
                "Address blocks image downloads may reach despite the address policy (loopback, private, link-local, ...); serve's console image proxy applies the same policy."),
        Setting("REC_IMAGE_FILE_DIR", .catalog, [.products, .serve, .tools], default: "unset: file:// refused", range: "directory",
                "The one directory `file://` image URLs may read."),
    ]

    static let profiles: [Setting] = [
        Setting("REC_EVENT_WEIGHTS", .profiles, model, default: "view=1,click=2,add_to_cart=4,purchase=8,rating=1,dismiss=-4,neutral=3", range: "type=weight,... each within ±1000", shared: true,
                "Weight of each event type in profiles and popularity."),
        Setting("REC_PROFILE_HALF_LIFE_DAYS", .profiles, model, unit: "days", default: "30", range: "(0, ...)", shared: true, "Long-term taste half-life (event time)."),
        Setting("REC_SESSION_HALF_LIFE_MINUTES", .profiles, model, unit: "minutes", default: "30", range: "(0, ...)", shared: true,
                "Session vector half-life between a user's events (event time)."),
        Setting("REC_NEGATIVE_HALF_LIFE_DAYS", .profiles, model, unit: "days", default: "30", range: "(0, ...)", shared: true, "Dislike vector half-life."),
        Setting("REC_POPULARITY_HALF_LIFE_DAYS", .profiles, model, unit: "days", default: "7", range: "(0, ...)", shared: true,
                "Popularity counters' half-life (written by the consumer, decayed to now by serve)."),
        Setting("REC_TRANSITION_WINDOW", .profiles, model, unit: "events", default: "10", range: "0... (0 turns transitions off)", shared: true,
                "How many of a user's previous items each event links to."),
        Setting("REC_TRANSITION_POSITION_DECAY", .profiles, model, default: "0.7", range: "(0, ...)", shared: true, "Weight factor per step back in the window."),
        Setting("REC_TRANSITION_HALF_LIFE_DAYS", .profiles, model, unit: "days", default: "3650", range: "(0, ...)", shared: true, "Transition counters' half-life."),
        Setting("REC_TRANSITION_REVERSE_WEIGHT", .profiles, model, default: "0", range: "0...1", shared: true, "Weight of the reverse edge (B→A for A then B)."),
    ]

    static let ranking: [Setting] = [
        Setting("REC_EMBEDDING_KIND", .ranking, [.serve, .tools], default: "fused", range: "fused, text, image", shared: true, "Which stored vectors serve compares (in a space that does not store this kind: its main one, `fused` or `text`)."),
        Setting("REC_HNSW_EF_SEARCH", .ranking, [.serve, .tools], default: "100", range: "1...1000", "`hnsw.ef_search` of candidate queries."),
        Setting("REC_HNSW_MAX_SCAN_TUPLES", .ranking, [.serve, .tools], default: "20000", range: "1...", "`hnsw.max_scan_tuples` (filtered iterative scans)."),
        Setting("REC_POPULAR_CANDIDATES", .ranking, [.serve, .tools], unit: "items", default: "30", range: "0...", "Popular items added to every candidate set."),
        Setting("REC_FRESH_CANDIDATES", .ranking, [.serve, .tools], unit: "items", default: "20", range: "0...", "Newest items added to every candidate set."),
        Setting("REC_SEEN_EVENT_TYPES", .ranking, [.serve, .tools], default: "view,click,add_to_cart,purchase,rating,dismiss", range: "event types, comma-separated; empty: none",
                "Events whose items are not recommended again."),
        Setting("REC_SEEN_LIMIT", .ranking, [.serve, .tools], unit: "events", default: "5000", range: "0...100000", "Newest events read for the seen filter."),
        Setting("REC_W_LONG", .ranking, [.serve, .tools], default: "1", range: "number", "Blend weight: long-term taste."),
        Setting("REC_W_SESSION", .ranking, [.serve, .tools], default: "0.6", range: "number", "Blend weight: session."),
        Setting("REC_W_NEGATIVE", .ranking, [.serve, .tools], default: "0.5", range: "number", "Blend weight: dislikes (subtracted)."),
        Setting("REC_W_POPULARITY", .ranking, [.serve, .tools], default: "0.15", range: "number", "Blend weight: popularity."),
        Setting("REC_W_FRESHNESS", .ranking, [.serve, .tools], default: "0.05", range: "number", "Blend weight: freshness."),
        Setting("REC_W_CONTEXT", .ranking, [.serve, .tools], default: "0.8", range: "number", "Blend weight: the request's context items."),
        Setting("REC_W_COVISIT", .ranking, [.serve, .tools], default: "2", range: "number", "Blend weight: behavioural (transition) evidence."),
        Setting("REC_COVISIT_PRIOR", .ranking, [.serve, .tools], unit: "events", default: "5", range: "number", "Shrinkage prior of the behavioural score."),
        Setting("REC_SESSION_FADE_HALF_LIFE_H", .ranking, [.serve, .tools], unit: "hours", default: "1", range: "(0, ...)",
                "How fast the session term's weight fades with the time since the session's last event (request time)."),
        Setting("REC_FRESHNESS_HALF_LIFE_H", .ranking, [.serve, .tools], unit: "hours", default: "336", range: "(0, ...)", "Freshness score half-life (item age)."),
        Setting("REC_COVISIT_RECENT_ITEMS", .ranking, [.serve, .tools], unit: "items", default: "20", range: "0...200", "Recent items whose transitions give candidates."),
        Setting("REC_COVISIT_RECENT_DECAY", .ranking, [.serve, .tools], default: "0.7", range: "(0, 1]", "Weight factor per older recent item."),
        Setting("REC_COVISIT_PER_SOURCE", .ranking, [.serve, .tools], unit: "items", default: "50", range: "0...1000", "Transition targets read per recent item."),
        Setting("REC_COVISIT_CANDIDATES", .ranking, [.serve, .tools], unit: "items", default: "100", range: "0...1000", "Behavioural candidates kept."),
        Setting("REC_COVISIT_SOURCE_NORM", .ranking, [.serve, .tools], default: "1", range: "0...2", "Source-degree normalisation exponent."),
        Setting("REC_COVISIT_TARGET_NORM", .ranking, [.serve, .tools], default: "0", range: "0...2", "Target-popularity normalisation exponent."),
        Setting("REC_VECTOR_CACHE_ITEMS", .ranking, [.serve], unit: "items", default: "100000", range: "0...10000000",
                "Item vectors kept in process at half precision (warmed at start, checked by content hash; 0 disables)."),
    ]

    static let titanLocal: [Setting] = [
        Setting("REC_TITAN_MODEL_DIR", .titanLocal, [.titanLocal, .tools], flag: "--model-dir", default: ".stack/models/all-MiniLM-L6-v2", range: "directory",
                "The text encoder's files."),
        Setting("REC_TITAN_CUSTOM_MODELS_DIR", .titanLocal, [.titanLocal], flag: "--custom-models-dir", default: ".stack/titan-local/custom-models", range: "directory",
                "Local fine-tuning jobs, the custom models they trained and local batch inference jobs (kept across restarts)."),
        Setting("REC_TITAN_LATENCY_MS", .titanLocal, [.titanLocal], flag: "--latency-ms", unit: "milliseconds", default: "0", range: "0...", "Added latency per request."),
        Setting("REC_TITAN_FAULT_SEED", .titanLocal, [.titanLocal], flag: "--fault-seed", default: "random", range: "integer", "Seed of injected faults."),
        Setting("REC_TITAN_THROTTLING_RATE", .titanLocal, [.titanLocal], flag: "--throttling-rate", default: "0", range: "0...1", "Share of requests answered 429."),
        Setting("REC_TITAN_SERVER_ERROR_RATE", .titanLocal, [.titanLocal], flag: "--server-error-rate", default: "0", range: "0...1", "Share of requests answered 500."),
    ]

    static let tests: [Setting] = [
        Setting("REC_INTEGRATION", .tests, [.tests], default: "off", range: "1", "Run the integration tests (set by `deploy/local/stack test`)."),
        Setting("REC_DISRUPTIVE", .tests, [.tests], default: "off", range: "1", "Also run tests that restart stack components."),
        Setting("REC_STACK_SCRIPT", .tests, [.tests], default: "set by the stack", range: "path", "The stack script disruptive tests call."),
        Setting("REC_PG_CA", .tests, [.tests], default: "set by the stack", range: "path", "The local CA that signed the stack PostgreSQL's TLS certificate: `sslrootcert` for the TLS tests' `sslmode=verify-full`."),
    ]

    /// Renamed settings: a process stops at start while one is set.
    public static let retired: [RetiredSetting] = [
        RetiredSetting(name: "REC_EMBEDDING_DIMS", replacement: "BEDROCK_EMBEDDING_DIMENSIONS",
                       note: "serve and the consumers now read the same variable"),
        RetiredSetting(name: "REC_SESSION_HALF_LIFE_H", replacement: "REC_SESSION_FADE_HALF_LIFE_H",
                       note: "serve's fade of the session term; the profile's own half-life is REC_SESSION_HALF_LIFE_MINUTES"),
        RetiredSetting(name: "REC_POPULARITY_HALF_LIFE_H", replacement: "REC_POPULARITY_HALF_LIFE_DAYS",
                       note: "one half-life, in days, for the writer and the reader"),
    ]

    /// The setting named `name` (a `KAFKA_*` variable is the passthrough row).
    public static func named(_ name: String) -> Setting? {
        if let s = byName[name] { return s }
        return name.hasPrefix("KAFKA_") ? byName["KAFKA_<PROPERTY>"] : nil
    }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
