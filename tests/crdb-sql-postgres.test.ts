/**
 * T1: the PostgreSQL-compatible part of sql/ on a real PostgreSQL (Debian `postgresql`, or
 * Homebrew's on macOS), started by this test on 127.0.0.1; the read-only user's and the app
 * writer's rights tried for real.
 * CockroachDB-only files (`*.crdb.sql`: zone configs, BACKUP, CREATE … IF NOT EXISTS for
 * databases and users) are checked for presence, not run.
 */
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CRDB_PHASES, SQL_DIR, readSql } from "../labs/crdb/phases";
import { TestPostgres, startLabPostgres } from "./support/postgres";

describe("CockroachDB lab SQL on a real PostgreSQL", function () {
    this.timeout(120_000);
    // Started in before(), so a suite filtered out by --grep leaves nothing behind.
    let pg: TestPostgres;
    const psql = (user: string, args: string[], db?: string) => pg.psql(user, args, db);

    before(async () => {
        pg = await startLabPostgres("pg");
    });

    after(async () => {
        await pg?.stop();
    });

    /** `table=rows` of every table in the lab database's public schema, as PostgreSQL reports them. */
    function tableRows(): string[] {
        const tables = psql("postgres", ["-tAc", "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"]);
        assert.equal(tables.status, 0, tables.stderr);
        return tables.stdout
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((t) => `${t}=${psql("postgres", ["-tAc", `SELECT count(*) FROM "${t}"`]).stdout.trim()}`);
    }

    it("running every phase's SQL again drops, truncates and duplicates nothing", () => {
        // The helper already ran every file twice; a third round must leave every table and row count as it is.
        const before = tableRows();
        assert.ok(before.length >= 2 && before.every((t) => !t.endsWith("=")), before.join(", "));
        for (const phase of CRDB_PHASES) {
            for (const file of phase.sql.filter((f) => !f.endsWith(".crdb.sql"))) {
                const r = psql("postgres", ["-f", join(SQL_DIR, file)]);
                assert.equal(r.status, 0, `${file}: ${r.stderr}`);
            }
        }
        assert.deepEqual(tableRows(), before);
    });

    it("seeds at least 10,000 search terms", () => {
        const r = psql("postgres", ["-tAc", "SELECT count(*) FROM search_terms"]);
        assert.ok(Number(r.stdout.trim()) >= 10_000, r.stdout + r.stderr);
    });

    it("the reader can SELECT", () => {
        const r = psql("reader", ["-tAc", "SELECT count(*) FROM search_terms"]);
        assert.equal(r.status, 0, r.stderr);
        const events = psql("reader", ["-tAc", "SELECT count(*) FROM login_events"]);
        assert.equal(events.status, 0, events.stderr);
    });

    for (const [verb, sql] of [
        ["INSERT", "INSERT INTO login_events (user_name, succeeded) VALUES ('mallory', true)"],
        ["UPDATE", "UPDATE search_terms SET popularity = 0 WHERE id = 1"],
        ["DELETE", "DELETE FROM search_terms WHERE id = 2"],
    ]) {
        it(`the reader cannot ${verb}`, () => {
            const r = psql("reader", ["-c", sql]);
            assert.notEqual(r.status, 0, `${verb} succeeded as reader`);
            assert.match(r.stderr, /permission denied/);
        });
    }

    it("the writer can INSERT a login event (with the app's ON CONFLICT) and read it back, and read search terms", () => {
        const id = "00000000-0000-4000-8000-00000000a11c";
        const insert = `INSERT INTO login_events (id, user_name, succeeded) VALUES ('${id}', 'writer-test', true) ON CONFLICT (id) DO NOTHING`;
        for (let i = 0; i < 2; i++) {
            const r = psql("writer", ["-c", insert]);
            assert.equal(r.status, 0, r.stderr);
        }
        const back = psql("writer", [
            "-tAc",
            `SELECT user_name || '|' || count(*) FROM login_events WHERE id = '${id}' GROUP BY user_name`,
        ]);
        assert.equal(back.status, 0, back.stderr);
        assert.equal(back.stdout.trim(), "writer-test|1");
        const terms = psql("writer", ["-tAc", "SELECT count(*) FROM search_terms WHERE term >= 'ab' AND term < 'ac'"]);
        assert.equal(terms.status, 0, terms.stderr);
        assert.ok(Number(terms.stdout.trim()) > 0, terms.stdout);
    });

    for (const [what, sql, refusal] of [
        ["UPDATE a login event", "UPDATE login_events SET succeeded = false", /permission denied for table login_events/],
        ["DELETE login events", "DELETE FROM login_events", /permission denied for table login_events/],
        ["TRUNCATE login events", "TRUNCATE login_events", /permission denied for table login_events/],
        ["DROP the login events", "DROP TABLE login_events", /must be owner of table login_events/],
        ["INSERT a search term", "INSERT INTO search_terms (id, term) VALUES (999999, 'zz')", /permission denied for table search_terms/],
        ["UPDATE a search term", "UPDATE search_terms SET popularity = 0 WHERE id = 1", /permission denied for table search_terms/],
        ["DELETE a search term", "DELETE FROM search_terms WHERE id = 2", /permission denied for table search_terms/],
        ["DROP the search terms", "DROP TABLE search_terms", /must be owner of table search_terms/],
        ["CREATE a table", "CREATE TABLE writer_made (id INT)", /permission denied for schema public/],
        ["CREATE a role", "CREATE ROLE writer_friend", /permission denied to create role/],
    ] as const) {
        it(`the writer cannot ${what}`, () => {
            const r = psql("writer", ["-c", sql]);
            assert.notEqual(r.status, 0, `${sql} succeeded as writer`);
            assert.match(r.stderr, refusal);
        });
    }

    it("the writer has no rights on other tables, including ones created later (no default privileges)", () => {
        assert.equal(psql("postgres", ["-c", "CREATE TABLE IF NOT EXISTS writer_later (id INT PRIMARY KEY)"]).status, 0);
        for (const sql of ["SELECT count(*) FROM writer_later", "INSERT INTO writer_later VALUES (1)"]) {
            const r = psql("writer", ["-c", sql]);
            assert.notEqual(r.status, 0, `${sql} succeeded as writer`);
            assert.match(r.stderr, /permission denied for table writer_later/);
        }
        const rights = psql("postgres", [
            "-tAc",
            "SELECT string_agg(table_name || ':' || privilege_type, ',' ORDER BY table_name, privilege_type) FROM information_schema.role_table_grants WHERE grantee = 'writer'",
        ]);
        assert.equal(rights.stdout.trim(), "login_events:INSERT,login_events:SELECT,search_terms:SELECT", rights.stderr);
    });

    it("the reader can read tables created later (default privileges)", () => {
        assert.equal(psql("postgres", ["-c", "CREATE TABLE IF NOT EXISTS later_table (id INT PRIMARY KEY)"]).status, 0);
        const r = psql("reader", ["-tAc", "SELECT count(*) FROM later_table"]);
        assert.equal(r.status, 0, r.stderr);
    });

    it("the prefix search uses an index, not a sequential scan", () => {
        assert.equal(psql("postgres", ["-c", "ANALYZE search_terms"]).status, 0);
        const query = readFileSync(join(SQL_DIR, "queries", "search-prefix.sql"), "utf8")
            .replace(/--.*$/gm, "")
            .trim()
            .replace(/;$/, "");
        const plan = psql("postgres", ["-tAc", `EXPLAIN ${query}`]);
        assert.equal(plan.status, 0, plan.stderr);
        assert.match(plan.stdout, /Index (Only )?Scan using search_terms_by_term|Bitmap Index Scan on search_terms_by_term/, plan.stdout);
        assert.doesNotMatch(plan.stdout, /Seq Scan/, plan.stdout);
        const rows = psql("reader", ["-tAc", query]);
        assert.ok(
            rows.stdout
                .trim()
                .split("\n")
                .every((line) => line.startsWith("ab")),
            rows.stdout,
        );
    });
});

describe("CockroachDB-only SQL", () => {
    it("sets the replication factor per phase by SQL: 1, 2, 3", () => {
        for (const phase of CRDB_PHASES) {
            const text = phase.sql.map(readSql).join("\n");
            assert.match(text, new RegExp(`ALTER RANGE default CONFIGURE ZONE USING num_replicas = ${phase.replicationFactor};`));
            assert.equal(phase.replicationFactor, phase.phase + 1);
        }
    });

    it("backs up with BACKUP INTO nodelocal", () => {
        assert.match(readSql("backup.crdb.sql"), /^BACKUP INTO 'nodelocal:\/\/1\/backups' AS OF SYSTEM TIME '-10s';$/m);
    });

    // PostgreSQL cannot run these files (zone configs, BACKUP, CREATE USER IF NOT EXISTS are
    // CockroachDB's); without a CockroachDB binary here, only their text can be read.
    it("CockroachDB-only files never DROP (text check: no CockroachDB binary on this machine)", () => {
        const files = readdirSync(SQL_DIR).filter((f) => f.endsWith(".crdb.sql"));
        assert.ok(files.length >= 3, files.join(", "));
        for (const file of files) assert.doesNotMatch(readSql(file).replace(/--.*$/gm, ""), /\bDROP\b/i, file);
    });
});
