-- The directory (issue 13): people, roles and services, and coordinators'
-- corrections to them. Reference data, no patient data. Portable SQL.

-- One counter for the whole directory: each save takes the next number,
-- and a device asks for what was saved after the number it holds. Its one
-- row is also the lock a save takes, so saves are numbered in commit order.
CREATE TABLE directory_counter (
    id    BIGINT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO directory_counter (id, value) VALUES (1, 0);

-- Each entry as it is now (advocase_core::directory::Entry JSON).
CREATE TABLE directory_entries (
    id          TEXT PRIMARY KEY NOT NULL,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at_ms BIGINT NOT NULL
);
CREATE INDEX directory_entries_version ON directory_entries (version);

-- Every version of every entry, never changed: what an editor's save is
-- merged against (the version it was made from), and who changed what.
CREATE TABLE directory_history (
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at_ms BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

-- Coordinators' corrections, by the id the device made (a resend is
-- stored once), and the editors' decisions.
CREATE TABLE directory_suggestions (
    id            TEXT PRIMARY KEY NOT NULL,
    entry_id      TEXT NOT NULL,
    body          TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    at_ms         BIGINT NOT NULL,
    decision      TEXT NOT NULL,
    decided_by    TEXT,
    decided_at_ms BIGINT,
    note          TEXT NOT NULL
);
