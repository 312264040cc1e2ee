-- CockroachDB only (PostgreSQL has no CREATE DATABASE / CREATE USER IF NOT EXISTS).
CREATE DATABASE IF NOT EXISTS lab;
-- The sample app's writer, from phase 0 on; its rights are at the end of 01-bootstrap.sql.
-- No password: on an insecure cluster the user only has to exist; on a secure one it logs in
-- with its client certificate (CN=writer).
CREATE USER IF NOT EXISTS writer;
