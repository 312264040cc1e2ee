/**
 * The Docker tier's shared rootfs cache (tests/support/build-cache.ts) recovering from what
 * crashed and concurrent runs leave: a half-finished build directory with `/proc` still mounted
 * inside (what a failed `debootstrap` leaves; real `mount -t proc`, so this needs root, as the
 * Docker tier does), a lock of a process that is gone, a lock of one that still runs, and two
 * builds at once. The "build" writes a marker file instead of running debootstrap.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory, holderAlive, mountsUnder, processIdentity } from "./support/build-cache";
import { tempDir } from "./support/tools";

const complete = (dir: string) => existsSync(join(dir, "etc", "debian_version"));
const fakeRootfs = (target: string) => {
    mkdirSync(join(target, "etc"), { recursive: true });
    writeFileSync(join(target, "etc", "debian_version"), "12.0\n");
};

/** Mounts a proc file system on `dir/proc` as debootstrap does inside its target. @throws AssertionError when mount fails. */
function mountProc(dir: string): void {
    mkdirSync(join(dir, "proc"), { recursive: true });
    const r = spawnSync("mount", ["-t", "proc", "proc", join(dir, "proc")], { encoding: "utf8" });
    assert.equal(r.status, 0, `mount -t proc (needs root, as the Docker tier does): ${r.stderr}`);
}

/** The PID of a process that has exited (its lock is stale). */
function deadPid(): number {
    const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    const pid = Number(r.stdout.trim());
    assert.ok(pid > 0 && processIdentity(pid) === undefined, `pid ${pid} still exists`);
    return pid;
}

describe("Docker tier rootfs cache: lock, private build, recovery", function () {
    this.timeout(60_000);
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => {
        dir = tempDir("build-cache");
    });
    afterEach(() => {
        for (const p of mountsUnder(dir.path)) spawnSync("umount", ["-l", p]);
        dir.remove();
    });

    it("recovers from a crashed build: unmounts the proc left in <name>.partial and <name>.build-*, breaks the dead builder's lock, builds", async () => {
        for (const leftover of ["bookworm.partial", "bookworm.build-4242-dead"]) {
            const d = join(dir.path, leftover);
            mkdirSync(join(d, "var", "lib"), { recursive: true });
            writeFileSync(join(d, "var", "lib", "half"), "x");
            mountProc(d);
        }
        assert.equal(mountsUnder(dir.path).length, 2, "the simulated leftovers are mounted");
        writeFileSync(join(dir.path, "bookworm.lock"), `${deadPid()} 12345 abcd`);
        let builds = 0;
        const path = await cachedDirectory(dir.path, "bookworm", complete, (target) => {
            builds++;
            assert.ok(target.startsWith(join(dir.path, "bookworm.build-")), `built privately, in ${target}`);
            fakeRootfs(target);
        });
        assert.equal(path, join(dir.path, "bookworm"));
        assert.ok(complete(path));
        assert.equal(builds, 1);
        assert.deepEqual(mountsUnder(dir.path), [], "nothing mounted any more");
        assert.deepEqual(readdirSync(dir.path), ["bookworm"], "leftovers and the lock are gone");
        // Cached: a second call builds nothing.
        await cachedDirectory(dir.path, "bookworm", complete, () => assert.fail("rebuilt a complete cache"));
    });

    it("a build that fails with proc mounted leaves no mount, no directory and no lock; the error is the build's", async () => {
        await assert.rejects(
            cachedDirectory(dir.path, "bookworm", complete, (target) => {
                mountProc(target);
                throw new Error("debootstrap failed (1): W: Failure trying to run: chroot");
            }),
            /debootstrap failed \(1\)/,
        );
        assert.deepEqual(mountsUnder(dir.path), []);
        assert.deepEqual(readdirSync(dir.path), []);
    });

    it("a build that returns without a complete tree is refused and never renamed into place", async () => {
        await assert.rejects(
            cachedDirectory(dir.path, "bookworm", complete, (target) => writeFileSync(join(target, "only-this"), "")),
            /finished but .* is incomplete/,
        );
        assert.deepEqual(readdirSync(dir.path), []);
    });

    it("waits for a live builder's lock, naming it when time runs out; builds once it is gone", async () => {
        const holder = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            const identity = processIdentity(holder.pid!)!;
            writeFileSync(join(dir.path, "bookworm.lock"), `${identity} feed`);
            assert.ok(holderAlive(`${identity} feed`));
            await assert.rejects(
                cachedDirectory(dir.path, "bookworm", complete, fakeRootfs, 1_500),
                new RegExp(`bookworm.lock still held by ${identity} feed after 1500 ms`),
            );
            assert.ok(!existsSync(join(dir.path, "bookworm")), "nothing built while another builder held the lock");
        } finally {
            holder.kill("SIGKILL");
            await new Promise((r) => holder.once("exit", r));
        }
        assert.ok(!holderAlive(readFileSync(join(dir.path, "bookworm.lock"), "utf8")), "the holder is gone");
        assert.ok(complete(await cachedDirectory(dir.path, "bookworm", complete, fakeRootfs, 1_500)));
    });

    it("a reused PID is not taken for the holder: the start time must match too", () => {
        const [pid, start] = processIdentity(process.pid)!.split(" ");
        assert.ok(holderAlive(`${pid} ${start} x`));
        assert.ok(!holderAlive(`${pid} ${Number(start) + 1} x`));
        assert.ok(!holderAlive("garbled"));
    });

    it("two builds at once: one builds, the other waits and takes the result", async () => {
        let builds = 0;
        const build = async (target: string) => {
            builds++;
            await new Promise((r) => setTimeout(r, 700));
            fakeRootfs(target);
        };
        const [a, b] = await Promise.all([
            cachedDirectory(dir.path, "bookworm", complete, build),
            cachedDirectory(dir.path, "bookworm", complete, build),
        ]);
        assert.equal(a, b);
        assert.equal(builds, 1);
    });
});
