/**
 * The Docker tier's shared rootfs cache (tests/support/build-cache.ts) without root: the lock of
 * a process that is gone, of one that still runs, a reused PID, two builds at once, a crashed
 * build's leftover directories, an incomplete result. The mounts a failed debootstrap leaves are
 * tried in the Docker tier (tests/docker-rootfs-cache.spec.ts: mounting needs root).
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory, holderAlive, processIdentity } from "./support/build-cache";
import { cacheDirPerTest, complete, deadPid, fakeRootfs } from "./support/build-cache-fakes";

describe("Docker tier rootfs cache: lock, private build, leftovers", function () {
    this.timeout(60_000);
    const cacheDir = cacheDirPerTest();

    it("recovers from a crashed build: removes <name>.partial and <name>.build-* leftovers, breaks the dead builder's lock, builds privately", async () => {
        for (const leftover of ["bookworm.partial", "bookworm.build-4242-dead"]) {
            mkdirSync(join(cacheDir(), leftover, "var", "lib"), { recursive: true });
            writeFileSync(join(cacheDir(), leftover, "var", "lib", "half"), "x");
        }
        writeFileSync(join(cacheDir(), "bookworm.lock"), `${deadPid()} 12345 abcd`);
        let builds = 0;
        const path = await cachedDirectory(cacheDir(), "bookworm", complete, (target) => {
            builds++;
            assert.ok(target.startsWith(join(cacheDir(), "bookworm.build-")), `built privately, in ${target}`);
            fakeRootfs(target);
        });
        assert.equal(path, join(cacheDir(), "bookworm"));
        assert.equal(builds, 1);
        assert.deepEqual(readdirSync(cacheDir()), ["bookworm"], "leftovers and the lock are gone");
        await cachedDirectory(cacheDir(), "bookworm", complete, () => assert.fail("rebuilt a complete cache"));
    });

    it("a build that returns without a complete tree is refused and never renamed into place", async () => {
        await assert.rejects(
            cachedDirectory(cacheDir(), "bookworm", complete, (target) => writeFileSync(join(target, "only-this"), "")),
            /finished but .* is incomplete/,
        );
        assert.deepEqual(readdirSync(cacheDir()), []);
    });

    it("waits for a live builder's lock, naming it when time runs out; builds once it is gone", async () => {
        const holder = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            const identity = processIdentity(holder.pid!)!;
            writeFileSync(join(cacheDir(), "bookworm.lock"), `${identity} feed`);
            assert.ok(holderAlive(`${identity} feed`));
            await assert.rejects(
                cachedDirectory(cacheDir(), "bookworm", complete, fakeRootfs, 1_500),
                new RegExp(`bookworm.lock still held by ${identity} feed after 1500 ms`),
            );
            assert.ok(!existsSync(join(cacheDir(), "bookworm")), "nothing built while another builder held the lock");
        } finally {
            holder.kill("SIGKILL");
            await new Promise((r) => holder.once("exit", r));
        }
        assert.ok(!holderAlive(readFileSync(join(cacheDir(), "bookworm.lock"), "utf8")), "the holder is gone");
        assert.ok(complete(await cachedDirectory(cacheDir(), "bookworm", complete, fakeRootfs, 1_500)));
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
            cachedDirectory(cacheDir(), "bookworm", complete, build),
            cachedDirectory(cacheDir(), "bookworm", complete, build),
        ]);
        assert.equal(a, b);
        assert.equal(builds, 1);
    });
});
