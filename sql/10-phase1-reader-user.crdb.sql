-- CockroachDB only (PostgreSQL has no CREATE USER IF NOT EXISTS). The read-only user;
-- its rights are in 11-phase1-reader-grants.sql. No password: the lab cluster is insecure.
CREATE USER IF NOT EXISTS reader;
