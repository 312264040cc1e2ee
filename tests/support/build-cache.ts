/**
 * A directory cache shared by every test run on the machine (the Docker tier's debootstrapped
 * root filesystems): one builder at a time, nothing half-built ever taken for done, and what a
 * crashed build left behind (files, and the `/proc`, `/sys`, `/dev/pts` that debootstrap mounts
 * inside its target, debootstrap(8)) cleaned up by the next run instead of failing it with
 * `EBUSY: rmdir …/proc`.
 *
 * - Lock: `<name>.lock` linked into place (link(2) never overwrites) holding `<pid> <start time> <nonce>` (the start time from
 *   `/proc/<pid>/stat` field 22, proc(5), so a reused PID is not taken for the holder). A lock
 *   whose holder is gone is stale: it is moved aside (rename is atomic), checked to be the one
 *   judged stale, and removed; a fresh lock moved by mistake is put back with `link` (which
 *   never overwrites). Waiting is bounded.
 * - Build: into a private `<name>.build-<pid>-<random>` directory, then renamed onto `<name>`
 *   (rename(2) is atomic on one file system): readers see no directory or a complete one.
 * - Leftovers: with the lock held, every `<name>.build-*` and `<name>.partial*` (the previous
 *   layout) is unmounted (deepest mount first, per /proc/self/mountinfo, proc(5)) and removed.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** How long {@link withBuildLock} waits for another live builder, and how often it looks (ms). */
export const LOCK_WAIT_MS = 30 * 60_000;
const LOCK_POLL_MS = 500;

/** `<pid> <start time>` of a process, or undefined when it does not exist. */
export function processIdentity(pid: number): string | undefined {
    try {
        // Field 2 (comm) may hold spaces and parentheses: count fields after its last ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return `${pid} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`;
    } catch {
        if (process.platform === "linux") return undefined;
        try {
            process.kill(pid, 0);
            return `${pid} ?`;
        } catch {
            return undefined;
        }
    }
}

/**
 * Whether the lock holder `content` (`<pid> <start time> <nonce>`) still runs. Garbled content
 * counts as gone. The nonce tells two builds of one process apart (they wait for each other).
 */
export function holderAlive(content: string): boolean {
    const m = /^(\d+) (\S+)( \S+)?$/.exec(content.trim());
    if (!m) return false;
    const now = processIdentity(Number(m[1]));
    return now !== undefined && (m[2] === "?" || now === `${m[1]} ${m[2]}`);
}

const readOr = (path: string) => {
    try {
        return readFileSync(path, "utf8");
    } catch {
        return undefined;
    }
};

/**
 * Takes `lock` once: true when it now holds `me`. The content is written to a private file first
 * and linked into place (link(2) fails with EEXIST and never overwrites), so nobody ever reads a
 * lock that exists but is still empty.
 */
function tryLock(lock: string, me: string): boolean {
    const mine = `${lock}.new-${process.pid}-${randomBytes(4).toString("hex")}`;
    writeFileSync(mine, me, { mode: 0o644 });
    try {
        linkSync(mine, lock);
        return true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw err;
    } finally {
        rmSync(mine, { force: true });
    }
}

/** Removes `lock` if it still holds the stale `content`; puts back a lock that changed meanwhile. */
function breakStale(lock: string, content: string): void {
    const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
        renameSync(lock, aside);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // someone else broke it
        throw err;
    }
    if (readOr(aside) !== content) {
        try {
            linkSync(aside, lock); // a fresh lock was moved: back, unless a third one exists
        } catch {
            /* a newer lock holds: ours to drop */
        }
    }
    rmSync(aside, { force: true });
}

/**
 * Runs `fn` holding `<dir>/<name>.lock`; waits for a live holder, breaks a dead one's lock.
 * @throws Error naming the holder when it is still alive after `waitMs`.
 */
export async function withBuildLock<T>(dir: string, name: string, fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, `${name}.lock`);
    const me = `${processIdentity(process.pid) ?? `${process.pid} ?`} ${randomBytes(4).toString("hex")}`;
    const deadline = Date.now() + waitMs;
    for (;;) {
        if (tryLock(lock, me)) break;
        const content = readOr(lock);
        if (content !== undefined && !holderAlive(content)) {
            breakStale(lock, content);
            continue;
        }
        if (Date.now() > deadline) throw new Error(`${lock} still held by ${content ?? "?"} after ${waitMs} ms`);
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
    try {
        return await fn();
    } finally {
        if (readOr(lock) === me) rmSync(lock, { force: true });
    }
}

/** Mount points at or under `dir` (from /proc/self/mountinfo, field 5, octal escapes decoded), deepest first. */
export function mountsUnder(dir: string): string[] {
    const info = readOr("/proc/self/mountinfo") ?? "";
    const points = info
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((p): p is string => !!p)
        .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
        .filter((p) => p === dir || p.startsWith(dir + "/"));
    return [...new Set(points)].sort((a, b) => b.split("/").length - a.split("/").length || b.length - a.length);
}

/**
 * Unmounts everything at or under `dir` and removes it.
 * @throws Error when a mount stays (`umount` and a lazy `umount -l` both failed).
 */
export function removeBuildDir(dir: string): void {
    for (let round = 0; round < 5; round++) {
        const points = mountsUnder(dir);
        if (!points.length) break;
        for (const p of points) {
            if (spawnSync("umount", [p], { timeout: 30_000 }).status !== 0) spawnSync("umount", ["-l", p], { timeout: 30_000 });
        }
    }
    const left = mountsUnder(dir);
    if (left.length) throw new Error(`cannot unmount ${left.join(", ")}: unmount them (as root) and run again`);
    rmSync(dir, { recursive: true, force: true });
}

/**
 * `<dir>/<name>`, built by `build(target)` unless `isComplete` says it is there; see the module
 * comment for the lock, the private build directory and the clean-up of crashed builds.
 * @param isComplete judges a directory (e.g. it has `etc/debian_version`).
 * @returns the cached directory's path.
 * @throws what `build` throws (its directory unmounted and removed), or Error when the result is incomplete.
 */
export async function cachedDirectory(
    dir: string,
    name: string,
    isComplete: (path: string) => boolean,
    build: (target: string) => Promise<void> | void,
    waitMs = LOCK_WAIT_MS,
): Promise<string> {
    const final = join(dir, name);
    if (isComplete(final)) return final;
    return withBuildLock(
        dir,
        name,
        async () => {
            if (isComplete(final)) return final; // built by the run we waited for
            for (const entry of readdirSync(dir)) {
                if (entry.startsWith(`${name}.build-`) || entry.startsWith(`${name}.partial`)) removeBuildDir(join(dir, entry));
            }
            if (existsSync(final)) removeBuildDir(final); // incomplete: never renamed over
            const target = join(dir, `${name}.build-${process.pid}-${randomBytes(4).toString("hex")}`);
            mkdirSync(target);
            try {
                await build(target);
                if (!isComplete(target)) throw new Error(`building ${name} finished but ${target} is incomplete`);
            } catch (err) {
                removeBuildDir(target);
                throw err;
            }
            renameSync(target, final);
            return final;
        },
        waitMs,
    );
}
