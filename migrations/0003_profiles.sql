-- Profiles: the unnormalized float4 profile sums (4 KB each at 1024 dimensions)
-- do not compress, so every update paid for a failed pglz attempt before the
-- value went out of line anyway. EXTERNAL stores them out of line uncompressed.
ALTER TABLE user_profiles
    ALTER COLUMN long_term SET STORAGE EXTERNAL,
    ALTER COLUMN session SET STORAGE EXTERNAL,
    ALTER COLUMN negative SET STORAGE EXTERNAL;

-- Every profile write takes a fresh number from one sequence, so (user_id,
-- version) names exactly one committed state: a consumer may keep profiles it
-- wrote in memory and reuse them while the stored version is unchanged, with
-- no risk of reusing a state another writer (rebuild, another consumer, a
-- rolled-back transaction, a deleted and re-created user) has replaced.
CREATE SEQUENCE user_profile_version_seq;
ALTER TABLE user_profiles ADD COLUMN version bigint NOT NULL DEFAULT nextval('user_profile_version_seq');
