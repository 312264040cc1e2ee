-- CockroachDB only (PostgreSQL has no CREATE USER IF NOT EXISTS).
-- The sample app's writer, from phase 0 on; its rights are in 07-phase0-writer-grants.sql.
-- No password: on an insecure cluster the user only has to exist; on a secure one it logs in
-- with its client certificate (CN=writer).
-- A step of its own, added after 00/01/05: a step's SQL is its identity (content-named Job), so
-- editing a completed step's file would re-run it on every deployed stack.
CREATE USER IF NOT EXISTS writer;
