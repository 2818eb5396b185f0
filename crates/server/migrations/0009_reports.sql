-- Reports (issue 15).
--
-- What a report needs of each case (advocase_core::report::CaseFacts JSON),
-- written with the fold at every push, so a year's report reads a few
-- hundred bytes a case instead of parsing whole states. '' until written:
-- the server fills it for every case at start-up (report::facts::backfill);
-- 'null' for a deleted case.
ALTER TABLE cases ADD COLUMN facts TEXT NOT NULL DEFAULT '';

-- Patient days a manager entered per unit and month: the denominator of
-- complaint and grievance rates. The last save stands, with who and when.
CREATE TABLE patient_days (
    unit        TEXT NOT NULL,
    month       TEXT NOT NULL,
    days        BIGINT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at_ms BIGINT NOT NULL,
    PRIMARY KEY (unit, month)
);

-- What managers keep with a report for the meeting (report_key: period and
-- units): dismissed suggestions (note_id 'dismissed:' and the suggestion's
-- id, body empty) and their own recommendations (note_id the device-made
-- id, body the text).
CREATE TABLE report_notes (
    report_key  TEXT NOT NULL,
    note_id     TEXT NOT NULL,
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at_ms BIGINT NOT NULL,
    PRIMARY KEY (report_key, note_id)
);
