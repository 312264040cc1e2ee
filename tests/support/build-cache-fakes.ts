/**
 * Stand-ins for the rootfs cache tests (tests/build-cache.test.ts, tests/docker-rootfs-cache.spec.ts):
 * a "build" that writes the marker debootstrap leaves (`etc/debian_version`) instead of running
 * debootstrap, a real proc mount like the one debootstrap makes inside its target, and the PID of
 * a process that has exited.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mountsUnder, processIdentity } from "./build-cache";
import { tempDir } from "./tools";

/** A finished root filesystem has `etc/debian_version` (as docker-images.ts judges it). */
export const complete = (dir: string) => existsSync(join(dir, "etc", "debian_version"));

/** The stand-in build: writes the marker. */
export const fakeRootfs = (target: string) => {
    mkdirSync(join(target, "etc"), { recursive: true });
    writeFileSync(join(target, "etc", "debian_version"), "12.0\n");
};

/** Mounts a proc file system on `dir/proc` as debootstrap does inside its target. @throws AssertionError when mount fails (needs root). */
export function mountProc(dir: string): void {
    mkdirSync(join(dir, "proc"), { recursive: true });
    const r = spawnSync("mount", ["-t", "proc", "proc", join(dir, "proc")], { encoding: "utf8" });
    assert.equal(r.status, 0, `mount -t proc (needs root, as the Docker tier does): ${r.stderr}`);
}

/** The PID of a process that has exited (its lock is stale). */
export function deadPid(): number {
    const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    const pid = Number(r.stdout.trim());
    assert.ok(pid > 0 && processIdentity(pid) === undefined, `pid ${pid} still exists`);
    return pid;
}

/**
 * A fresh cache directory for each test of the calling suite (mocha `beforeEach`), removed after
 * it with anything a test left mounted inside unmounted first (`umount -l`).
 * @returns a getter for the current test's directory path.
 */
export function cacheDirPerTest(): () => string {
    let dir: ReturnType<typeof tempDir> | undefined;
    beforeEach(() => {
        dir = tempDir("build-cache");
    });
    afterEach(() => {
        if (!dir) return;
        for (const p of mountsUnder(dir.path)) spawnSync("umount", ["-l", p]);
        dir.remove();
    });
    return () => dir!.path;
}
