-- Ward supplies (issue 17): the supply stream, beside the case stream and
-- numbered on its own. Portable SQL as in 0002 (TEXT and BIGINT only, every
-- number assigned by the server); times are Unix milliseconds. Supply
-- changes name no patient: these tables hold no PHI.

-- The last supply server_seq handed out. Its one row is also the lock every
-- supply push takes first, so pushes commit in server_seq order and a pull
-- never sees a number before all smaller ones (docs/SUPPLIES.md, "Sync").
CREATE TABLE supply_counter (
    id    BIGINT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO supply_counter (id, value) VALUES (1, 0);

-- Every supply change stored, as stored (its clock clamped), in the order
-- the server took them. `unit` is the text the change names; `unit_key` its
-- advocase_core::directory::unit_key, for reading a unit's changes by eye or
-- by index. Who may pull a change is decided when it is pulled, against the
-- structure as it is then (as for cases): see crates/server/src/supplies/.
CREATE TABLE supply_changes (
    server_seq     BIGINT PRIMARY KEY NOT NULL,
    change_id      TEXT NOT NULL UNIQUE,
    device         TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    unit           TEXT NOT NULL,
    unit_key       TEXT NOT NULL,
    username       TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    body           TEXT NOT NULL,
    UNIQUE (device, seq)
);
CREATE INDEX supply_changes_unit ON supply_changes (unit_key, server_seq);

-- The refusals of the idempotency ledger: a stored change is its own entry
-- (supply_changes is unique by device and seq), a refused one a row here,
-- so a retried push gets the same answer.
CREATE TABLE supply_received (
    device         TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    change_id      TEXT NOT NULL,
    outcome_json   TEXT NOT NULL,
    username       TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (device, seq)
);
