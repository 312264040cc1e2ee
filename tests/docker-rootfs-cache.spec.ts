/**
 * The Docker tier's shared rootfs cache (tests/support/build-cache.ts) recovering from what a
 * failed `debootstrap` leaves: `/proc` still mounted inside a half-finished build directory
 * (real `mount -t proc`: root, as this tier needs for dockerd and debootstrap anyway). Without
 * the unmount, the next run died with `EBUSY: rmdir …/proc`.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory, mountsUnder } from "./support/build-cache";
import { cacheDirPerTest, complete, deadPid, fakeRootfs, mountProc } from "./support/build-cache-fakes";

describe("Docker tier rootfs cache: a failed debootstrap's mounts", function () {
    this.timeout(60_000);
    const cacheDir = cacheDirPerTest();

    it("recovers from a crashed build: unmounts the proc left in <name>.partial and <name>.build-*, breaks the dead builder's lock, builds", async () => {
        for (const leftover of ["bookworm.partial", "bookworm.build-4242-dead"]) {
            const d = join(cacheDir(), leftover);
            mkdirSync(join(d, "var", "lib"), { recursive: true });
            writeFileSync(join(d, "var", "lib", "half"), "x");
            mountProc(d);
        }
        assert.equal(mountsUnder(cacheDir()).length, 2, "the simulated leftovers are mounted");
        writeFileSync(join(cacheDir(), "bookworm.lock"), `${deadPid()} 12345 abcd`);
        let builds = 0;
        const path = await cachedDirectory(cacheDir(), "bookworm", complete, (target) => {
            builds++;
            assert.ok(target.startsWith(join(cacheDir(), "bookworm.build-")), `built privately, in ${target}`);
            fakeRootfs(target);
        });
        assert.equal(path, join(cacheDir(), "bookworm"));
        assert.ok(complete(path));
        assert.equal(builds, 1);
        assert.deepEqual(mountsUnder(cacheDir()), [], "nothing mounted any more");
        assert.deepEqual(readdirSync(cacheDir()), ["bookworm"], "leftovers and the lock are gone");
        // Cached: a second call builds nothing.
        await cachedDirectory(cacheDir(), "bookworm", complete, () => assert.fail("rebuilt a complete cache"));
    });

    it("a build that fails with proc mounted leaves no mount, no directory and no lock; the error is the build's", async () => {
        await assert.rejects(
            cachedDirectory(cacheDir(), "bookworm", complete, (target) => {
                mountProc(target);
                throw new Error("debootstrap failed (1): W: Failure trying to run: chroot");
            }),
            /debootstrap failed \(1\)/,
        );
        assert.deepEqual(mountsUnder(cacheDir()), []);
        assert.deepEqual(readdirSync(cacheDir()), []);
    });
});
