/**
 * A throwaway PostgreSQL server (Debian `postgresql`) for real-binary tests: initdb in a temp
 * dir, started on a free 127.0.0.1 port, stopped with `pg_ctl stop` (as root the server runs
 * under `runuser`, which a signal may not reach). Same steps as tests/crdb-sql-postgres.test.ts.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ProcessGroup, freePort, waitFor } from "./processes";
import { tempDir } from "./tools";

/**
 * Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`), newest major.
 * @throws Error naming the package when none is installed.
 */
export function postgresBin(): string {
    const root = "/usr/lib/postgresql";
    const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, "bin", "postgres"))) : [];
    if (!majors.length) throw new Error("PostgreSQL server is not installed: apt-get install -y postgresql (.ci/run installs it)");
    return join(root, majors.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

/** Runs a command as the `postgres` OS user when we are root (the server refuses to run as root). */
export function asPostgres(cmd: string, args: string[], timeout = 60_000) {
    const argv = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    return spawnSync(argv[0] as string, argv[1] as string[], { encoding: "utf8", timeout });
}

/** uid and gid of the `postgres` OS user, when running as root; undefined otherwise. */
export function postgresOwner(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
    return { uid: id("-u"), gid: id("-g") };
}

/** A running server. */
export interface PostgresServer {
    port: number;
    /** The temp dir holding `data/`, the socket and `pg.log`; owned by `postgres` when root. */
    dir: string;
    bin: string;
    /** psql as `user` over the Unix socket (no TLS). */
    psql(user: string, args: string[], db?: string): ReturnType<typeof spawnSync>;
    stop(): Promise<void>;
}

/**
 * initdb + start.
 * @param configure called between initdb and start with the data dir (write `pg_hba.conf`, certificates…).
 * @param settings extra `-c name=value` server settings.
 */
export async function startPostgres(configure?: (data: string) => void, settings: string[] = []): Promise<PostgresServer> {
    const dir = tempDir("pg");
    const processes = new ProcessGroup();
    const bin = postgresBin();
    const owner = postgresOwner();
    if (owner) chownSync(dir.path, owner.uid, owner.gid);
    const data = join(dir.path, "data");
    const init = asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
    assert.equal(init.status, 0, init.stderr);
    configure?.(data);
    const port = await freePort();
    const argv = [
        "-D",
        data,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-k",
        dir.path,
        "-c",
        "fsync=off",
        ...settings.flatMap((s) => ["-c", s]),
    ];
    if (owner) processes.start("postgres", "runuser", ["-u", "postgres", "--", join(bin, "postgres"), ...argv], join(dir.path, "pg.log"));
    else processes.start("postgres", join(bin, "postgres"), argv, join(dir.path, "pg.log"));
    const psql = (user: string, args: string[], db = "postgres") =>
        asPostgres(
            join(bin, "psql"),
            ["-X", "-v", "ON_ERROR_STOP=1", "-h", dir.path, "-p", String(port), "-U", user, "-d", db, ...args],
            30_000,
        );
    await waitFor("PostgreSQL accepting connections", async () => (psql("postgres", ["-c", "select 1"]).status === 0 ? true : undefined));
    return {
        port,
        dir: dir.path,
        bin,
        psql,
        async stop() {
            asPostgres(join(bin, "pg_ctl"), ["stop", "-m", "fast", "-D", data], 30_000);
            await processes.stopAll();
            dir.remove();
        },
    };
}
