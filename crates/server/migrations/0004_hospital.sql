-- The hospital's contact numbers for the patient's rights sheet (issue 11):
-- the state survey agency, the QIO, patient relations and the interpreter
-- line. Portable SQL, like 0003: TEXT and BIGINT only. One hospital per
-- server; every version an administrator saved is kept, who and when, and
-- the newest is served. Rows are only ever inserted: this is audit trail.

CREATE TABLE hospital_contacts (
    -- 1, 2, 3… in the order they were saved; two saves at once both get
    -- stored, the primary key making the second take the next number.
    version     BIGINT NOT NULL PRIMARY KEY,
    -- hospital::HospitalContacts JSON, as checked and stamped.
    body        TEXT NOT NULL,
    saved_by    TEXT NOT NULL REFERENCES users (username),
    saved_at_ms BIGINT NOT NULL
);
