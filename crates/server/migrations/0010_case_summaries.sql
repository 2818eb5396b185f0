-- Pushes at hospital scale (issue 16).
--
-- What a push decides from: each case's summary
-- (advocase_core::summary::CaseSummary JSON: whether it is open or deleted,
-- and who may see it), so accepting a change never refolds the case's log.
-- '' for cases stored before: the first push to one sums up its log once.
ALTER TABLE cases ADD COLUMN summary TEXT NOT NULL DEFAULT '';

-- The last server_seq folded into `state` and `facts`. A push only moves
-- `last_seq`; changes::projection folds the case after the commit, and
-- readers of state or facts catch up first. Existing cases are folded.
ALTER TABLE cases ADD COLUMN projected_seq BIGINT NOT NULL DEFAULT 0;
UPDATE cases SET projected_seq = last_seq;
CREATE INDEX cases_unprojected ON cases (case_id) WHERE projected_seq < last_seq;

-- Statistics for the planner now, not when autovacuum gets to it: the
-- update above rewrote every case row.
ANALYZE cases;
