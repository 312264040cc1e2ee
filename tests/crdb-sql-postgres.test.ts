/**
 * T1: the PostgreSQL-compatible part of sql/ on a real PostgreSQL (Debian `postgresql`, or
 * Homebrew's on macOS: found through PATH or `pg_config --bindir`), started by this test on
 * 127.0.0.1; the read-only user's rights tried for real.
 * CockroachDB-only files (`*.crdb.sql`: zone configs, BACKUP, CREATE … IF NOT EXISTS for
 * databases and users) are checked for presence, not run.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CRDB_PHASES, SQL_DIR, readSql } from "../components/crdb-phases";
import { freePort, waitFor } from "./support/processes";
import { Account, postgresAccount, postgresBinDir, tempDir } from "./support/tools";

describe("CockroachDB lab SQL on a real PostgreSQL", function () {
    this.timeout(120_000);
    // Made in before(), so a suite filtered out by --grep leaves nothing behind.
    let dir: { path: string; remove: () => void };
    let port: number;
    let bin: string;
    let account: Account | undefined;
    let started = false;

    /** Runs a PostgreSQL program as the account PostgreSQL runs as (Node's spawn uid/gid: no runuser, no sudo). */
    const pg = (program: string, args: string[], timeout = 60_000) =>
        spawnSync(join(bin, program), args, {
            encoding: "utf8",
            timeout,
            ...(account ? { uid: account.uid, gid: account.gid, cwd: dir.path } : {}),
        });

    /** psql as `user` on the lab database; returns status and output. */
    const psql = (user: string, args: string[], db = "lab") =>
        pg("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db, ...args], 30_000);

    before(async () => {
        bin = postgresBinDir();
        account = postgresAccount();
        dir = tempDir("pg");
        if (account) chownSync(dir.path, account.uid, account.gid);
        const data = join(dir.path, "data");
        const init = pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
        assert.equal(init.status, 0, init.stderr);
        port = await freePort();
        // pg_ctl starts the server in the background and waits (-w, bounded by -t) until it accepts connections.
        const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir.path} -c fsync=off`;
        const start = pg("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", join(dir.path, "pg.log"), "-o", options], 90_000);
        started = start.status === 0;
        assert.ok(started, `pg_ctl start: ${start.stdout}${start.stderr}${readFileSync(join(dir.path, "pg.log"), "utf8").slice(-2000)}`);
        await waitFor("PostgreSQL accepting connections", async () =>
            psql("postgres", ["-c", "select 1"], "postgres").status === 0 ? true : undefined,
        );
        // What the .crdb.sql files do on CockroachDB, in PostgreSQL's words.
        assert.equal(psql("postgres", ["-c", "CREATE DATABASE lab"], "postgres").status, 0);
        assert.equal(psql("postgres", ["-c", "CREATE ROLE reader LOGIN"], "postgres").status, 0);
        // Every PostgreSQL-compatible file of every phase, in order, twice: all statements are idempotent.
        for (let round = 0; round < 2; round++) {
            for (const phase of CRDB_PHASES) {
                for (const file of phase.sql.filter((f) => !f.endsWith(".crdb.sql"))) {
                    const r = psql("postgres", ["-f", join(SQL_DIR, file)]);
                    assert.equal(r.status, 0, `${file} (round ${round + 1}): ${r.stderr}`);
                }
            }
            tablesAfterRound.push(tableRows());
        }
    });

    /** `table=rows` of every table in the lab database's public schema, as PostgreSQL reports them. */
    const tablesAfterRound: string[][] = [];
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
        const [first, second] = tablesAfterRound;
        assert.ok(first.length >= 2 && first.every((t) => !t.endsWith("=")), first.join(", "));
        assert.deepEqual(second, first);
    });

    after(() => {
        // Stops exactly the server this test started: pg_ctl signals the PID in our data dir's postmaster.pid.
        if (started) pg("pg_ctl", ["stop", "-m", "fast", "-w", "-t", "30", "-D", join(dir.path, "data")], 45_000);
        dir?.remove();
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
