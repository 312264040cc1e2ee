/**
 * The Docker tier's shared rootfs cache (tests/support/build-cache.ts) without root: the lock of
 * a process that is gone, of one that still runs, a reused PID, two builds at once, a crashed
 * build's leftover directories, an incomplete result. The mounts a failed debootstrap leaves are
 * tried in the Docker tier (tests/docker-rootfs-cache.spec.ts: mounting needs root).
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory, holderAlive, mountsUnder, processIdentity } from "./support/build-cache";
import { complete, deadPid, fakeRootfs } from "./support/build-cache-fakes";
import { tempDir } from "./support/tools";

describe("Docker tier rootfs cache: lock, private build, leftovers", function () {
    this.timeout(60_000);
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => {
        dir = tempDir("build-cache");
    });
    afterEach(() => {
        for (const p of mountsUnder(dir.path)) spawnSync("umount", ["-l", p]);
        dir.remove();
    });

    it("recovers from a crashed build: removes <name>.partial and <name>.build-* leftovers, breaks the dead builder's lock, builds privately", async () => {
        for (const leftover of ["bookworm.partial", "bookworm.build-4242-dead"]) {
            mkdirSync(join(dir.path, leftover, "var", "lib"), { recursive: true });
            writeFileSync(join(dir.path, leftover, "var", "lib", "half"), "x");
        }
        writeFileSync(join(dir.path, "bookworm.lock"), `${deadPid()} 12345 abcd`);
        let builds = 0;
        const path = await cachedDirectory(dir.path, "bookworm", complete, (target) => {
            builds++;
            assert.ok(target.startsWith(join(dir.path, "bookworm.build-")), `built privately, in ${target}`);
            fakeRootfs(target);
        });
        assert.equal(path, join(dir.path, "bookworm"));
        assert.equal(builds, 1);
        assert.deepEqual(readdirSync(dir.path), ["bookworm"], "leftovers and the lock are gone");
        await cachedDirectory(dir.path, "bookworm", complete, () => assert.fail("rebuilt a complete cache"));
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
