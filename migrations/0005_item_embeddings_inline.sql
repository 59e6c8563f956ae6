-- Keep item vectors in the heap row instead of TOAST.
--
-- A 1024-d halfvec is 2,052 bytes: just over the 2,032-byte threshold past which PostgreSQL moves a
-- value out of line, so every candidate vector the recommender reads (80–130 per request) cost a TOAST
-- index probe and two chunk reads. With the row's toast target at the maximum, rows up to a page stay
-- inline (a 1024-d `vector` at 4 KB too). Only rows written from now on are affected: rewrite existing
-- ones once with `VACUUM FULL item_embeddings` (locks the table and rebuilds its indexes) at a quiet time.
ALTER TABLE item_embeddings SET (toast_tuple_target = 8160);
-- The profile read fetches up to three such vectors per request; same reasoning.
ALTER TABLE user_profiles SET (toast_tuple_target = 8160);
