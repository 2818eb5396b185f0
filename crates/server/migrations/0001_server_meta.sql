-- Facts about this server's database itself. Later migrations add the
-- coordinators' data; this one gives health checks a table to read and records
-- when the database was created.
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

INSERT INTO server_meta (key, value) VALUES ('created_at', CURRENT_TIMESTAMP);
