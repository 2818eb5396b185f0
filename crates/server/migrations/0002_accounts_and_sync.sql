-- Accounts, sessions and the shared change stream. Portable SQL: the same
-- file runs on SQLite and PostgreSQL (TEXT and BIGINT only, no AUTOINCREMENT
-- or SERIAL: every number is assigned by the server itself). Times are Unix
-- milliseconds; flags are 0/1.

CREATE TABLE users (
    username      TEXT PRIMARY KEY NOT NULL,
    display_name  TEXT NOT NULL,
    -- access::Role identifiers: coordinator, manager, admin.
    role          TEXT NOT NULL,
    units_json    TEXT NOT NULL,
    -- PHC string (Argon2id with its salt and parameters).
    password_hash TEXT NOT NULL,
    active        BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- Every sign-in, kept after it ends: part of the audit trail. Only a hash of
-- the token is stored, so a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL REFERENCES users (username),
    device        TEXT,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX sessions_username ON sessions (username);

-- The last server_seq handed out. Its one row is also the lock every push
-- takes first, so pushes commit in server_seq order and a pull never sees
-- a number before all smaller ones.
CREATE TABLE sync_counter (
    id    BIGINT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO sync_counter (id, value) VALUES (1, 0);

-- Every change stored, as stored (its clock clamped), numbered in the order
-- the server took them: the stream devices pull, and the audit trail of who
-- changed which case.
CREATE TABLE changes (
    server_seq     BIGINT PRIMARY KEY NOT NULL,
    change_id      TEXT NOT NULL UNIQUE,
    device         TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    case_id        TEXT NOT NULL,
    username       TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    body           TEXT NOT NULL,
    UNIQUE (device, seq)
);
CREATE INDEX changes_case_id ON changes (case_id, server_seq);

-- The idempotency ledger: what the server answered for each (device, seq),
-- refusals included, so a retried push gets the same answer.
CREATE TABLE received (
    device         TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    change_id      TEXT NOT NULL,
    outcome_json   TEXT NOT NULL,
    username       TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (device, seq)
);

-- Each case as its stored changes fold, with the fields access depends on
-- beside it so a pull decides visibility without reading whole cases.
CREATE TABLE cases (
    case_id    TEXT PRIMARY KEY NOT NULL,
    unit       TEXT NOT NULL,
    assignee   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    deleted    BIGINT NOT NULL,
    -- caseload::CaseFile JSON.
    state      TEXT NOT NULL,
    last_seq   BIGINT NOT NULL
);
