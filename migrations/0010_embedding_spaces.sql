-- Embedding spaces: every item vector and every profile belongs to one named space (model id, dimension,
-- mode); exactly one space is live (served), others are being built or kept for a switch back.
-- docs/models.md is the design.
--
-- Expand only: processes of the previous release keep working while and after this runs. Their
-- `ON CONFLICT (item_id, kind)` / `ON CONFLICT (user_id)` still find the old primary keys, and their
-- queries (`dims = N AND kind = …`) read the default space, the only one until `rec models create`
-- (the contract step, which swaps the primary keys for the unique indexes added here).
CREATE TABLE embedding_spaces (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    model           text NOT NULL CHECK (length(model) BETWEEN 1 AND 2048),
    dims            integer NOT NULL CHECK (dims > 0),
    mode            text NOT NULL CHECK (mode IN ('fused', 'separate')),
    state           text NOT NULL CHECK (state IN ('live', 'building', 'previous', 'retired')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    activated_at    timestamptz,
    deactivated_at  timestamptz,
    retired_at      timestamptz
);
-- Exactly one live space (at most one here; activation swaps it in one transaction).
CREATE UNIQUE INDEX embedding_spaces_one_live ON embedding_spaces ((true)) WHERE state = 'live';

-- The vectors stored so far are the space `default`: the model and dimension most rows have (rows of an
-- older dimension, which nothing reads, stay too and are overwritten when ingest next writes the item).
-- On an empty database no space is registered: the first process registers `default` from its settings.
INSERT INTO embedding_spaces (name, model, dims, mode, state, activated_at)
SELECT 'default', model, dims, CASE WHEN bool_or(kind = 'fused') THEN 'fused' ELSE 'separate' END, 'live', now()
FROM item_embeddings GROUP BY model, dims ORDER BY count(*) DESC, dims DESC LIMIT 1;

-- A constant default: no table rewrite, existing rows read as 'default'.
ALTER TABLE item_embeddings ADD COLUMN space text NOT NULL DEFAULT 'default';
CREATE UNIQUE INDEX item_embeddings_item_kind_space_key ON item_embeddings (item_id, kind, space);

ALTER TABLE user_profiles ADD COLUMN space text NOT NULL DEFAULT 'default';
CREATE UNIQUE INDEX user_profiles_user_space_key ON user_profiles (user_id, space);

-- Inline product images (catalog `imageBase64`), so that re-embedding with another model sends exactly the
-- input the first one had; image URLs are fetched again instead. PNG and JPEG do not compress: EXTERNAL
-- skips pglz's attempt.
CREATE TABLE item_images (
    item_id     text PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    image       bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE item_images ALTER COLUMN image SET STORAGE EXTERNAL;
