-- What `rec dlq replay` re-produced, so that running the same replay again skips what was already replayed.
--
-- One row per dead letter, keyed by its place in the dead-letter topic. The source position and the payload's
-- SHA-256 identify the message itself: if a dead-letter topic is deleted and re-created, its offsets start
-- over and a row whose source or hash differs describes another message, which the replay then takes over.
-- A replay claims the row (run_id, claimed_at) before producing and sets replayed_at once the broker
-- acknowledged; a row with replayed_at NULL is a replay that was interrupted in between (its message may or
-- may not have been produced), which `--force` replays again. The consumers dedupe by event id either way,
-- so a message produced twice is still applied once.
CREATE TABLE dlq_replays (
    dlq_topic           text NOT NULL,
    dlq_partition       integer NOT NULL CHECK (dlq_partition >= 0),
    dlq_offset          bigint NOT NULL CHECK (dlq_offset >= 0),
    source_topic        text NOT NULL,
    source_partition    integer NOT NULL,
    source_offset       bigint NOT NULL,
    payload_sha256      bytea NOT NULL CHECK (length(payload_sha256) = 32),
    run_id              uuid NOT NULL,
    claimed_at          timestamptz NOT NULL DEFAULT now(),
    replayed_at         timestamptz,
    replayed_partition  integer,
    replayed_offset     bigint,
    replays             integer NOT NULL DEFAULT 0,
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
