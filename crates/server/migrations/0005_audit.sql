-- The audit trail (issue 12, HIPAA 164.312(b)): who saw or changed which
-- case, sign-ins and account changes; and the escrow keys that recover a
-- device's data. Portable SQL, like 0002: TEXT and BIGINT only, every number
-- assigned by the server. docs/SECURITY.md says what this proves.

-- Append-only and hash-chained: hash = SHA-256 over every other column of
-- the row (prev_hash included, audit/chain.rs has the exact encoding), and
-- prev_hash = the hash of the row before (64 zeros for seq 1). Rows hold
-- identifiers only, never patient text: names and MRNs are in case_patients.
CREATE TABLE audit (
    -- 1, 2, 3… with no gaps, in the order the server wrote them.
    seq         BIGINT PRIMARY KEY NOT NULL,
    -- When it happened, RFC 3339 UTC with milliseconds ("…T08:30:00.000Z");
    -- for an event a device reported, the device's clock.
    at          TEXT NOT NULL,
    -- When the server wrote the row (its own clock), same format.
    recorded_at TEXT NOT NULL,
    -- Who: for a failed sign-in, the username that was tried; "@cli" for
    -- the create-admin command.
    username    TEXT NOT NULL,
    device      TEXT,
    case_id     TEXT,
    -- Stable codes: advocase_core::audit::{action, outcome}.
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    -- Short, never PHI: counts, change ids, the account changed.
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_username ON audit (username, seq);
CREATE INDEX audit_case_id ON audit (case_id, seq);
CREATE INDEX audit_at ON audit (at);

-- The last row written: its one row is the lock every append takes first
-- (so two requests never chain onto the same row), and lets verify-audit
-- tell rows deleted from the end.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY NOT NULL,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The events devices reported, by their id: a resent batch is recorded once.
CREATE TABLE audit_events (
    event_id  TEXT PRIMARY KEY NOT NULL,
    audit_seq BIGINT NOT NULL
);

-- Which patient each case is about, taken from its stored `open` change (a
-- patient's name and MRN are never edited later): what the Access log
-- filters and shows. The *_folded columns are lower-cased by the server, so
-- both databases match the same rows whatever the letters. Filled for cases
-- stored before this migration at start-up (audit/patients.rs): SQL cannot
-- read the JSON portably.
CREATE TABLE case_patients (
    case_id      TEXT PRIMARY KEY NOT NULL,
    patient_name TEXT NOT NULL,
    mrn          TEXT NOT NULL,
    name_folded  TEXT NOT NULL,
    mrn_folded   TEXT NOT NULL
);

-- Each user's escrow key (32 random bytes, base64url), made the first time
-- a session of theirs asks: it wraps their devices' data keys so that an
-- online sign-in recovers them. Never rotated by a password reset.
CREATE TABLE escrow_keys (
    username      TEXT PRIMARY KEY NOT NULL REFERENCES users (username),
    key           TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
