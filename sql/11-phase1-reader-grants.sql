-- The read-only user may connect and read, nothing else. PostgreSQL-compatible.
GRANT CONNECT ON DATABASE lab TO reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
-- Tables created later by the same owner are readable too (CockroachDB v21.2+).
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader;
