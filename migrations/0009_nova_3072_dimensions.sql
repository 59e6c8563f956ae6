-- Amazon Nova Multimodal Embeddings offers 3072 dimensions besides Titan's 256, 384 and 1024.
--
-- Vectors stay unsized `halfvec` columns with a CHECK on the dimension and one partial HNSW index per
-- dimension, on a sized cast that queries repeat (`embedding::halfvec(N)` and `WHERE dims = N`). pgvector's HNSW
-- indexes `halfvec` up to 4,000 dimensions (`vector` only up to 2,000), so 3072 gets its own index like the others.
-- A 3072-d halfvec is 6,152 bytes: with migration 0005's toast_tuple_target of 8160 it still stays in the heap row.
--
-- Profiles need nothing: user_profiles keeps unsized float4 `vector` sums (up to 16,000 dimensions, not indexed),
-- 12 KB each at 3072-d, stored out of line uncompressed (migration 0003).
--
-- The new CHECKs allow a superset of the old values, so every existing row passes them.
ALTER TABLE item_embeddings DROP CONSTRAINT item_embeddings_dims_check,
    ADD CONSTRAINT item_embeddings_dims_check CHECK (dims IN (256, 384, 1024, 3072));
ALTER TABLE embedding_cache DROP CONSTRAINT embedding_cache_dims_check,
    ADD CONSTRAINT embedding_cache_dims_check CHECK (dims IN (256, 384, 1024, 3072));

CREATE INDEX item_embeddings_hnsw_3072 ON item_embeddings
    USING hnsw ((embedding::public.halfvec(3072)) public.halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE dims = 3072;
