/**
 * The Docker tier's shared rootfs cache (tests/support/build-cache.ts) recovering from what a
 * failed `debootstrap` leaves: `/proc` still mounted inside a half-finished build directory
 * (real `mount -t proc`: root, as this tier needs for dockerd and debootstrap anyway). Without
 * the unmount, the next run died with `EBUSY: rmdir …/proc`.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory, mountsUnder } from "./support/build-cache";
import { complete, deadPid, fakeRootfs, mountProc } from "./support/build-cache-fakes";
import { tempDir } from "./support/tools";

describe("Docker tier rootfs cache: a failed debootstrap's mounts", function () {
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
});
