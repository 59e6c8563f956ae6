-- Profiles: the unnormalized float4 profile sums (4 KB each at 1024 dimensions)
-- do not compress, so every update paid for a failed pglz attempt before the
-- value went out of line anyway. EXTERNAL stores them out of line uncompressed.
ALTER TABLE user_profiles
    ALTER COLUMN long_term SET STORAGE EXTERNAL,
    ALTER COLUMN session SET STORAGE EXTERNAL,
    ALTER COLUMN negative SET STORAGE EXTERNAL;
