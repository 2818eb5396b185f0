-- Follow-ups and escalations (issue 14): who else a case is tied to, beside
-- its unit, assignee and creator (advocase_core::case::Case::involved: task
-- owners and escalation recipients, one username a line). Access reads it
-- on every pull, so it lives beside the case, not inside its state.
-- Existing cases start empty: their only tasks are follow-ups promised in a
-- quick log, owned by whoever logged it, who could see the case then; the
-- next change to a case writes it.
ALTER TABLE cases ADD COLUMN involved TEXT NOT NULL DEFAULT '';
