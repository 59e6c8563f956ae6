-- One clock for every decayed quantity: event time, against one fixed reference.
--
-- Popularity counters were stored as `score` decayed to each row's own `ref_at`, so rows were not
-- comparable (ORDER BY score ranked an item with 193 events above one with 504 whose last event was
-- older), and merging a counter decades old computed power(2, -x) past float8's range, which PostgreSQL
-- rejects ("value out of range: underflow"): a backfill of old history dead-lettered every later event.
--
-- Now a counter is `score_log2 = log2(Σ wᵢ · 2^(tᵢ/h))`, tᵢ in seconds since the Unix epoch and h the
-- popularity half-life. Its value at any instant T is 2^(score_log2 − T/h): every row is compared at the
-- same instant by comparing score_log2 alone (so an index orders them for any "now"), a merge is a
-- log-add of two numbers near t/h (never near float8's limits), and nothing decays to exactly 0.
-- An empty counter (only zero-weight events) is '-Infinity'.
--
-- Existing rows are converted with the default half-life of 7 days; with another
-- REC_POPULARITY_HALF_LIFE_DAYS the converted values are off by that ratio until the counters are rebuilt.
ALTER TABLE item_popularity ADD COLUMN score_log2 double precision NOT NULL DEFAULT '-Infinity';
UPDATE item_popularity SET score_log2 = ln(score) / ln(2) + extract(epoch FROM ref_at) / 604800 WHERE score > 0;
ALTER TABLE item_popularity DROP COLUMN score, DROP COLUMN ref_at;
ALTER TABLE item_popularity ADD COLUMN last_event_at timestamptz;
CREATE INDEX item_popularity_score_log2_idx ON item_popularity (score_log2 DESC);

ALTER TABLE category_popularity ADD COLUMN score_log2 double precision NOT NULL DEFAULT '-Infinity';
UPDATE category_popularity SET score_log2 = ln(score) / ln(2) + extract(epoch FROM ref_at) / 604800 WHERE score > 0;
ALTER TABLE category_popularity DROP COLUMN score, DROP COLUMN ref_at;
ALTER TABLE category_popularity ADD COLUMN last_event_at timestamptz;

-- Freshness is the product's own publication time (catalog field `publishedAt`), else the time the
-- catalog first saw it; an item published after a request's "now" is not recommended yet.
ALTER TABLE items ADD COLUMN published_at timestamptz;
CREATE INDEX items_live_published_idx ON items ((coalesce(published_at, created_at)) DESC) WHERE deleted_at IS NULL;

-- Behavioural item-to-item relations: what follows what in users' histories. For each new event, every
-- other event of the same user within `window` positions of it (consecutive events in time order) adds a
-- directed edge from the earlier item to the later one, weighted by position (closer counts more) and,
-- like popularity, kept as log2(Σ w · 2^(t/h)) with t the later event's time, so recent behaviour
-- weighs more and rows compare at one instant. Written by the interaction consumer in the same
-- transaction as the profile fold (exactly once with it).
--
-- Append-only: each batch appends its edges, merged per (src, dst) within the batch; an edge's weight is
-- the log-sum of its rows, which readers compute while aggregating anyway. An upsert per edge (unique
-- index probe, and rewriting both index entries on every update) cost 3-5x an append and made edge upkeep
-- most of the consumer's transaction; `rec transitions compact` merges the rows of each edge (run it
-- periodically, e.g. hourly; readers give the same scores before and after, up to the top-M cut per source).
CREATE TABLE item_transitions (
    src_item    text NOT NULL,
    dst_item    text NOT NULL,
    score_log2  double precision NOT NULL,
    events      bigint NOT NULL DEFAULT 0
);
-- Candidate generation reads the strongest rows out of each of a user's recent items.
CREATE INDEX item_transitions_src_score_idx ON item_transitions (src_item, score_log2 DESC);

-- log₂(2^a + 2^b) for the counters above, without leaving log space: 2^(lo − hi) is skipped below 2^-60
-- (it would not change a float8 sum) so exp never underflows, which PostgreSQL reports as an error.
CREATE FUNCTION log2_add(a double precision, b double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN greatest(a, b) + CASE WHEN least(a, b) = '-Infinity' OR least(a, b) - greatest(a, b) < -60 THEN 0
                                 ELSE ln(1 + power(2::float8, least(a, b) - greatest(a, b))) / ln(2) END;
