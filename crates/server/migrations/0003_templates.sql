-- Discharge-checklist templates that managers saved. Portable SQL, like
-- 0002: TEXT and BIGINT only. A template is edited by saving its next
-- version; every version is kept (a checklist names the version it was
-- started from). The built-in templates are version 1 of their ids and are
-- stored only from the first version a manager saved of them.

CREATE TABLE templates (
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    -- checklist::Template JSON, exactly as saved.
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL REFERENCES users (username),
    saved_at_ms BIGINT NOT NULL,
    -- Two managers saving the same next version: the second insert fails
    -- here and is answered as a version conflict.
    PRIMARY KEY (id, version)
);
