-- Drop the interaction log's index on item_id alone.
--
-- Every logged event paid for an insert into it (a random leaf page per event: about a fifth of the
-- log insert's time, and WAL with a full-page image per touched leaf after each checkpoint), yet no
-- query needs it: exclude-seen and a user's history filter by user_id (interactions_user_time_idx),
-- the pending-fold pass reads unfolded rows (interactions_unfolded_idx), deletes go by user_id,
-- rebuilds by user_id, trending scans a time window, and popularity lives in its own tables.
DROP INDEX IF EXISTS interactions_item_idx;
