/**
 * Real binaries the tests run (Debian packages installed by `.ci/run`). A missing tool
 * fails the test with the install command: a check never passes silently.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
 * The absolute path of a tool on PATH (or in Debian's PostgreSQL bin dir).
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
