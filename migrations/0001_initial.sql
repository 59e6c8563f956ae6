-- The first schema: catalog items and their vectors, user profiles, the
-- interaction log, popularity counters and the catalog dedup record.
-- pgvector lives in `public` so schemas created for tests can share it.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

-- Catalog state. `version_at` is the occurredAt of the newest event applied:
-- an older event never overwrites newer state; deletes are soft.
CREATE TABLE items (
    id            text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
    title         text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    categories    text[] NOT NULL DEFAULT '{}',
    attributes    jsonb NOT NULL DEFAULT '{}',
    image_url     text,
    price         double precision,
    available     boolean NOT NULL DEFAULT true,
    version_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_categories_idx ON items USING gin (categories);
CREATE INDEX items_live_created_idx ON items (created_at DESC) WHERE deleted_at IS NULL;

-- Item vectors: one row per item and kind (fused text+image, or separate text
-- and image). The dimension is configuration (256/384/1024), so the column is
-- an unsized halfvec and each dimension has its own partial HNSW index on a
-- sized cast; queries use the same expression and predicate.
CREATE TABLE item_embeddings (
    item_id       text NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('fused', 'text', 'image')),
    model         text NOT NULL,
    dims          integer NOT NULL CHECK (dims IN (256, 384, 1024)),
    content_hash  bytea NOT NULL,
    embedding     public.halfvec NOT NULL CHECK (public.vector_dims(embedding) = dims),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, kind)
);
CREATE INDEX item_embeddings_hnsw_1024 ON item_embeddings
    USING hnsw ((embedding::public.halfvec(1024)) public.halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE dims = 1024;
CREATE INDEX item_embeddings_hnsw_384 ON item_embeddings
    USING hnsw ((embedding::public.halfvec(384)) public.halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE dims = 384;
CREATE INDEX item_embeddings_hnsw_256 ON item_embeddings
    USING hnsw ((embedding::public.halfvec(256)) public.halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE dims = 256;

-- User profiles: unnormalized, time-decayed sums (float4 `vector`, since sums
-- outgrow half precision) with the reference time each was decayed to.
CREATE TABLE user_profiles (
    user_id            text PRIMARY KEY,
    dims               integer NOT NULL,
    long_term          public.vector,
    long_term_ref_at   timestamptz,
    session            public.vector,
    session_id         text,
    session_ref_at     timestamptz,
    negative           public.vector,
    negative_ref_at    timestamptz,
    event_count        bigint NOT NULL DEFAULT 0,
    counts_by_type     jsonb NOT NULL DEFAULT '{}',
    category_affinity  jsonb NOT NULL DEFAULT '{}',
    last_event_at      timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The append-only interaction log (exclude-seen, popularity, rebuilds,
-- evaluation). `folded` is false while the item has no vector yet.
CREATE TABLE interactions (
    event_id     uuid PRIMARY KEY,
    user_id      text NOT NULL,
    item_id      text NOT NULL,
    type         text NOT NULL CHECK (type IN ('view', 'click', 'add_to_cart', 'purchase', 'rating', 'dismiss')),
    value        double precision,
    session_id   text,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    folded       boolean NOT NULL DEFAULT false
);
CREATE INDEX interactions_user_time_idx ON interactions (user_id, occurred_at DESC);
CREATE INDEX interactions_item_idx ON interactions (item_id);
CREATE INDEX interactions_unfolded_idx ON interactions (item_id) WHERE NOT folded;

-- Decayed popularity counters per item and per category.
CREATE TABLE item_popularity (
    item_id  text PRIMARY KEY,
    score    double precision NOT NULL DEFAULT 0,
    ref_at   timestamptz NOT NULL,
    events   bigint NOT NULL DEFAULT 0
);
CREATE INDEX item_popularity_score_idx ON item_popularity (score DESC);

CREATE TABLE category_popularity (
    category  text PRIMARY KEY,
    score     double precision NOT NULL DEFAULT 0,
    ref_at    timestamptz NOT NULL,
    events    bigint NOT NULL DEFAULT 0
);

-- Catalog events already applied (exactly-once effects).
CREATE TABLE processed_catalog_events (
    event_id      uuid PRIMARY KEY,
    item_id       text NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now()
);
