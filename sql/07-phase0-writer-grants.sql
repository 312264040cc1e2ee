-- The sample app's writer (created by 06-phase0-writer-user.crdb.sql): what the app needs, nothing more.
-- login_events: INSERT, and SELECT, which INSERT … ON CONFLICT DO NOTHING needs (CockroachDB
-- docs "INSERT", Required privileges; PostgreSQL docs "INSERT": SELECT on the arbiter columns).
-- search_terms: SELECT, for reads while the reader cannot log in yet (APP_READER_FALLBACK=writer).
-- No UPDATE, DELETE, TRUNCATE or DROP anywhere; no rights on tables created later.
GRANT CONNECT ON DATABASE lab TO writer;
GRANT SELECT, INSERT ON TABLE login_events TO writer;
GRANT SELECT ON TABLE search_terms TO writer;
