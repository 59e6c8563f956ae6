-- Catalog ingest (rec consume products).
-- `image_error`: why an item that has an image URL was stored text-only
-- (permanently broken URL, not an image, too large); NULL when the image was used.
ALTER TABLE items ADD COLUMN image_error text;

-- Content-addressed embedding cache: identical content (same caption bytes,
-- same image bytes, same model, dimension and kind, hashed together with
-- SHA-256) is embedded once, across items and re-published catalogs.
CREATE TABLE embedding_cache (
    content_hash  bytea PRIMARY KEY,
    model         text NOT NULL,
    dims          integer NOT NULL CHECK (dims IN (256, 384, 1024)),
    kind          text NOT NULL CHECK (kind IN ('fused', 'text', 'image')),
    embedding     public.halfvec NOT NULL CHECK (public.vector_dims(embedding) = dims),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Lets operators prune the dedup record by age.
CREATE INDEX processed_catalog_events_processed_at_idx ON processed_catalog_events (processed_at);
