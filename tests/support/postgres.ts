/**
 * A real PostgreSQL (Debian `postgresql`, or Homebrew's: found on PATH or via `pg_config`) for T1 tests: a fresh cluster in a temp dir on a free
 * 127.0.0.1 port, trust auth, the lab database `lab` and the `reader` and `writer` roles created the way the
 * `*.crdb.sql` files do on CockroachDB, then every PostgreSQL-compatible file of every phase
 * applied twice (all statements are idempotent). Stopped with `pg_ctl stop` by data directory.
 *
 * With `tlsUser`, the server also speaks TLS (`ssl=on`, a test CA made with the `openssl` CLI)
 * and that user may only log in over TLS with a client certificate whose CN is its name
 * (`pg_hba.conf` method `cert`; PostgreSQL docs "Secure TCP/IP Connections with SSL",
 * "Certificate Authentication") — the shape of a secure CockroachDB cluster's client auth.
 * `certificates` replaces the test CA with given files (the lab's own CA and node certificate).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRDB_PHASES, SQL_DIR } from "../../labs/crdb/phases";
import { freePort, waitFor } from "./processes";
import { postgresAccount, postgresBinDir, tempDir } from "./tools";

/**
 * The directory of PostgreSQL's programs: on PATH or via `pg_config --bindir` (Debian, Homebrew,
 * Postgres.app alike; see tests/support/tools.ts `postgresBinDir`).
 */
export function postgresBin(): string {
    return postgresBinDir();
}

/**
 * Runs a PostgreSQL program as the account the server runs as: as root, the `postgres` (or
 * `nobody`) account through Node's spawn `uid`/`gid` (PostgreSQL refuses to run as root;
 * no `runuser`, which only util-linux has); otherwise as ourselves.
 */
export function asPostgres(cmd: string, args: string[], timeout = 60_000) {
    const account = postgresAccount();
    return spawnSync(cmd, args, { encoding: "utf8", timeout, ...(account ? { uid: account.uid, gid: account.gid, cwd: tmpdir() } : {}) });
}

/** A running test PostgreSQL. */
export interface TestPostgres {
    port: number;
    bin: string;
    /** psql as `user` on `db` (default `lab`), `ON_ERROR_STOP`; returns status and output. */
    psql(user: string, args: string[], db?: string): ReturnType<typeof asPostgres>;
    /** A connection string for `user` on `db` (default `lab`), TLS off. */
    url(user: string, db?: string): string;
    /** Stops the server and removes its directory. */
    stop(): Promise<void>;
    /** With `tlsUser`: PEM file paths of the CA, and of that user's client certificate and key. */
    tls?: { ca: string; clientCert: string; clientKey: string; user: string };
}

/** Runs openssl; throws with its output when it fails. */
function openssl(args: string[]): void {
    const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.error ?? r.stderr}`);
}

/** A test CA, a server certificate for 127.0.0.1 and a client certificate with CN `user`, in `dir`. */
function makeCertificates(dir: string, user: string) {
    const f = (name: string) => join(dir, name);
    openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=clusterlab test CA",
        "-keyout",
        f("ca.key"),
        "-out",
        f("ca.crt"),
    ]);
    for (const [name, cn, ext] of [
        ["server", "127.0.0.1", "subjectAltName=IP:127.0.0.1"],
        ["client", user, "extendedKeyUsage=clientAuth"],
    ]) {
        writeFileSync(f(`${name}.ext`), `${ext}\n`);
        openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`)]);
        openssl([
            "x509",
            "-req",
            "-in",
            f(`${name}.csr`),
            "-CA",
            f("ca.crt"),
            "-CAkey",
            f("ca.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            f(`${name}.ext`),
            "-out",
            f(`${name}.crt`),
        ]);
    }
    return {
        ca: f("ca.crt"),
        serverCert: f("server.crt"),
        serverKey: f("server.key"),
        clientCert: f("client.crt"),
        clientKey: f("client.key"),
    };
}

/**
 * Starts PostgreSQL with the lab's schema applied.
 * @throws AssertionError when initdb, start-up or any SQL file fails.
 */
export async function startLabPostgres(
    prefix = "pg",
    options: { tlsUser?: string; certificates?: { ca: string; serverCert: string; serverKey: string } } = {},
): Promise<TestPostgres> {
    const dir = tempDir(prefix);
    const account = postgresAccount();
    let started = false;
    const bin = postgresBin();
    const data = join(dir.path, "data");
    const port = await freePort();
    const psql = (user: string, args: string[], db = "lab") =>
        asPostgres(
            join(bin, "psql"),
            ["-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db, ...args],
            30_000,
        );
    let tls: TestPostgres["tls"];
    const stop = async () => {
        // Stops exactly the server this helper started: pg_ctl signals the PID in our data dir's postmaster.pid.
        if (started && existsSync(data)) asPostgres(join(bin, "pg_ctl"), ["stop", "-m", "fast", "-w", "-t", "30", "-D", data], 45_000);
        dir.remove();
    };
    try {
        if (account) chownSync(dir.path, account.uid, account.gid);
        const init = asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
        assert.equal(init.status, 0, init.stderr);
        const argv = ["-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dir.path, "-c", "fsync=off"];
        if (options.tlsUser) {
            // Given files are copied next to the data dir: the server (as postgres) may not read the caller's temp dir.
            const given = options.certificates;
            const certs = given
                ? {
                      ca: join(dir.path, "ca.crt"),
                      serverCert: join(dir.path, "server.crt"),
                      serverKey: join(dir.path, "server.key"),
                      clientCert: "",
                      clientKey: "",
                  }
                : makeCertificates(dir.path, options.tlsUser);
            if (given)
                for (const [from, to] of [
                    [given.ca, certs.ca],
                    [given.serverCert, certs.serverCert],
                    [given.serverKey, certs.serverKey],
                ])
                    copyFileSync(from, to);
            // The server refuses a key others can read; as root, the server runs as postgres.
            chmodSync(certs.serverKey, 0o600);
            if (account) chownSync(certs.serverKey, account.uid, account.gid);
            argv.push(
                "-c",
                "ssl=on",
                "-c",
                `ssl_cert_file=${certs.serverCert}`,
                "-c",
                `ssl_key_file=${certs.serverKey}`,
                "-c",
                `ssl_ca_file=${certs.ca}`,
            );
            // First match wins: the TLS user only over TLS with its certificate; everyone else as before.
            const hba = join(data, "pg_hba.conf");
            const rules = `hostssl all ${options.tlsUser} 127.0.0.1/32 cert\nhostnossl all ${options.tlsUser} 127.0.0.1/32 reject\n`;
            writeFileSync(hba, rules + readFileSync(hba, "utf8"));
            tls = { ca: certs.ca, clientCert: certs.clientCert, clientKey: certs.clientKey, user: options.tlsUser };
        }
        // pg_ctl starts the server in the background and waits (-w, bounded by -t) until it accepts connections.
        const log = join(dir.path, "pg.log");
        const start = asPostgres(join(bin, "pg_ctl"), ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", argv.join(" ")], 90_000);
        started = start.status === 0;
        assert.ok(started, `pg_ctl start: ${start.stdout}${start.stderr}${existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : ""}`);
        await waitFor("PostgreSQL accepting connections", async () =>
            psql("postgres", ["-c", "select 1"], "postgres").status === 0 ? true : undefined,
        );
        // What the .crdb.sql files do on CockroachDB, in PostgreSQL's words.
        assert.equal(psql("postgres", ["-c", "CREATE DATABASE lab"], "postgres").status, 0);
        assert.equal(psql("postgres", ["-c", "CREATE ROLE reader LOGIN"], "postgres").status, 0);
        assert.equal(psql("postgres", ["-c", "CREATE ROLE writer LOGIN"], "postgres").status, 0);
        for (let round = 0; round < 2; round++) {
            for (const phase of CRDB_PHASES) {
                for (const file of phase.sql.filter((f) => !f.endsWith(".crdb.sql"))) {
                    const r = psql("postgres", ["-f", join(SQL_DIR, file)]);
                    assert.equal(r.status, 0, `${file} (round ${round + 1}): ${r.stderr}`);
                }
            }
        }
        // A writer like root: may insert and read. A role the schema made (reader) keeps its own rights.
        const exists = tls && psql("postgres", ["-tAc", `SELECT 1 FROM pg_roles WHERE rolname = '${tls.user}'`]).stdout.trim() === "1";
        if (tls && !exists) {
            const grant = psql("postgres", [
                "-c",
                `CREATE ROLE ${tls.user} LOGIN; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO ${tls.user}`,
            ]);
            assert.equal(grant.status, 0, grant.stderr);
        }
    } catch (err) {
        await stop();
        throw err;
    }
    return { port, bin, psql, url: (user, db = "lab") => `postgresql://${user}@127.0.0.1:${port}/${db}?sslmode=disable`, stop, tls };
}
