-- API keys for the HTTP API. Only the SHA-256 of a key is stored; the key
-- itself is shown once, when it is created. Scopes: read, events, admin.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    key_prefix    text NOT NULL,
    scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'events', 'admin']::text[] AND cardinality(scopes) > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
