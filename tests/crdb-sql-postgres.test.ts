/**
 * T1: the PostgreSQL-compatible part of sql/ on a real PostgreSQL (Debian `postgresql`),
 * started by this test on 127.0.0.1; the read-only user's rights tried for real.
 * CockroachDB-only files (`*.crdb.sql`: zone configs, BACKUP, CREATE … IF NOT EXISTS for
 * databases and users) are checked for presence, not run.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CRDB_PHASES, SQL_DIR, readSql } from "../components/crdb-phases";
import { ProcessGroup, freePort, waitFor } from "./support/processes";
import { tempDir } from "./support/tools";

/** Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`). */
function postgresBin(): string {
    const root = "/usr/lib/postgresql";
    const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, "bin", "postgres"))) : [];
    if (!majors.length) throw new Error("PostgreSQL server is not installed: apt-get install -y postgresql (.ci/run installs it)");
    return join(root, majors.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

/** Runs a command as the `postgres` OS user when we are root (the server refuses to run as root). */
function asPostgres(cmd: string, args: string[], timeout = 60_000) {
    const argv = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    return spawnSync(argv[0] as string, argv[1] as string[], { encoding: "utf8", timeout });
}

describe("CockroachDB lab SQL on a real PostgreSQL", function () {
    this.timeout(120_000);
    const processes = new ProcessGroup();
    // Made in before(), so a suite filtered out by --grep leaves nothing behind.
    let dir: { path: string; remove: () => void };
    let port: number;
    let bin: string;

    /** psql as `user` on the lab database; returns status and output. */
    const psql = (user: string, args: string[], db = "lab") =>
        asPostgres(
            join(bin, "psql"),
            ["-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db, ...args],
            30_000,
        );

    before(async () => {
        dir = tempDir("pg");
        bin = postgresBin();
        if (process.getuid?.() === 0) {
            const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
            const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
            chownSync(dir.path, uid, gid);
        }
        const data = join(dir.path, "data");
        const init = asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
        assert.equal(init.status, 0, init.stderr);
        port = await freePort();
        const argv = ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dir.path, "-c", "fsync=off"];
        if (process.getuid?.() === 0)
            processes.start("postgres", "runuser", ["-u", "postgres", "--", join(bin, "postgres"), ...argv], join(dir.path, "pg.log"));
        else processes.start("postgres", join(bin, "postgres"), argv, join(dir.path, "pg.log"));
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
        }
    });

    after(async () => {
        // As root the server runs under runuser, which a signal to runuser may not reach: stop it by its data dir.
        if (dir && bin) asPostgres(join(bin, "pg_ctl"), ["stop", "-m", "fast", "-D", join(dir.path, "data")], 30_000);
        await processes.stopAll();
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

    it("creates the database and reader idempotently, and nothing anywhere drops", () => {
        assert.match(readSql("00-database.crdb.sql"), /CREATE DATABASE IF NOT EXISTS lab;/);
        assert.match(readSql("10-phase1-reader-user.crdb.sql"), /CREATE USER IF NOT EXISTS reader;/);
        for (const file of readdirSync(SQL_DIR).filter((f) => f.endsWith(".sql"))) {
            assert.doesNotMatch(readSql(file).replace(/--.*$/gm, ""), /\bDROP\b/i, file);
        }
    });
});
