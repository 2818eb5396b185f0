-- The hospital's structure (issue 13): its units and wards, departments
-- and services, as administrators saved it (advocase_core::directory::
-- Structure JSON). Portable SQL, like 0004. Every version is kept with who
-- saved it and when, the newest is served; rows are only inserted. A unit
-- is never removed from a version (it is retired), so a case's unit text
-- keeps naming it.
CREATE TABLE structure_versions (
    -- 1, 2, 3… : each save names the version it was made from, and is
    -- stored as the next one only if that is still the newest.
    version     BIGINT NOT NULL PRIMARY KEY,
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL REFERENCES users (username),
    saved_at_ms BIGINT NOT NULL
);
