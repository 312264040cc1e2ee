/**
 * Real binaries the tests run (Debian packages installed by `.ci/run`; Homebrew or any PATH
 * install works too). A missing tool fails the test with the install command: a check never
 * passes silently.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Debian package that provides each tool. */
const PACKAGES: Record<string, string> = {
    promtool: "prometheus",
    prometheus: "prometheus",
    etcd: "etcd-server",
    etcdctl: "etcd-client",
    psql: "postgresql-client",
    openssl: "openssl",
};

/**
 * The absolute path of a tool on PATH.
 * @throws Error naming the Debian package to install.
 */
export function requireTool(name: string): string {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
    throw new Error(`${name} is not installed: apt-get install -y ${PACKAGES[name] ?? name} (.ci/run installs it)`);
}

/** Runs a tool to completion; returns status and output. Bounded by `timeoutMs`. */
export function run(cmd: string, args: string[], timeoutMs = 60_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
    const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The directory holding all of PostgreSQL's programs the tests run (`initdb`, `pg_ctl`,
 * `postgres`, `psql`): where `pg_ctl` is on PATH (Homebrew, Postgres.app, a PATH export), else `pg_config --bindir`
 * (Debian keeps them off PATH in a versioned directory and ships `pg_config`).
 * @throws Error naming what to install when neither finds `initdb`.
 */
export function postgresBinDir(): string {
    const candidates = [
        spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim(),
        spawnSync("sh", ["-c", "pg_config --bindir 2>/dev/null"], { encoding: "utf8" }).stdout.trim(),
    ];
    for (const found of candidates) {
        const dir = found.endsWith("pg_ctl") ? dirname(found) : found;
        if (dir && ["initdb", "pg_ctl", "postgres", "psql"].every((p) => existsSync(join(dir, p)))) return dir;
    }
    throw new Error(
        "PostgreSQL server programs (initdb, pg_ctl) not found on PATH or via pg_config --bindir: " +
            "apt-get install -y postgresql (.ci/run installs it), or brew install postgresql@17 on macOS",
    );
}

/** An OS account to run a program as: uid, gid and name. */
export interface Account {
    uid: number;
    gid: number;
    name: string;
}

/**
 * The account to run PostgreSQL as. PostgreSQL refuses to run as root ("cannot be run as
 * root": `src/backend/main/main.c`), so as root this is the `postgres` account when it exists
 * (Debian, Homebrew do not create one; `.ci/run`'s Debian package does), else `nobody`;
 * otherwise undefined (run as ourselves). Node's `spawn` takes `uid`/`gid` directly, so
 * neither `runuser` (util-linux) nor `sudo` is needed.
 */
export function postgresAccount(): Account | undefined {
    if (process.getuid?.() !== 0) return undefined;
    for (const name of ["postgres", "nobody"]) {
        const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
        const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
        if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
    }
    throw new Error("running as root and there is neither a postgres nor a nobody account to run PostgreSQL as");
}
