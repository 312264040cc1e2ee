-- Schema of the lab database. PostgreSQL-compatible; runs on CockroachDB with --database=lab.
-- Idempotent: every statement may run again.

-- Login events are appended and never rewritten: no role is ever granted UPDATE or DELETE on it.
CREATE TABLE IF NOT EXISTS login_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_name TEXT NOT NULL,
    source_ip TEXT,
    user_agent_hash TEXT,
    succeeded BOOLEAN NOT NULL,
    happened_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Tables created before the column existed get it too (both engines know IF NOT EXISTS here).
ALTER TABLE login_events ADD COLUMN IF NOT EXISTS user_agent_hash TEXT;
CREATE INDEX IF NOT EXISTS login_events_by_time ON login_events (happened_at);

-- Search terms, looked up by prefix (see sql/queries/search-prefix.sql).
CREATE TABLE IF NOT EXISTS search_terms (
    id INT8 PRIMARY KEY,
    term TEXT NOT NULL,
    popularity INT8 NOT NULL DEFAULT 0
);
-- A plain ordered index serves a prefix search written as a range (term >= p AND term < next(p)),
-- on both engines and under any collation.
CREATE UNIQUE INDEX IF NOT EXISTS search_terms_by_term ON search_terms (term);

-- 10,000 seeded terms (hex digests: prefixes spread evenly).
INSERT INTO search_terms (id, term, popularity)
SELECT i, md5(i::TEXT), i % 100
FROM generate_series(1, 10000) AS g(i)
ON CONFLICT (id) DO NOTHING;
