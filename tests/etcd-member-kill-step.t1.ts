/**
 * T1: the etcd lab's member-kill step (labs/etcd/network.ts `memberKillScript`, the very script
 * the lab's step container runs) against 3 real etcd 3.5.17 members built with gofail, each with
 * its failpoint HTTP endpoint, on loopback. `npm run test:etcd-scenarios`.
 *
 * The harness plays the platform's restart policy: when the victim's process exits it is started
 * again after 100 ms, Docker's first restart delay (docs.docker.com "Start containers
 * automatically"). That is faster than the step polls, so a step that only watched for the
 * member's client port going dark could miss the crash; the step must see the crash from what
 * the member says about itself.
 *
 * Asserted from what etcd reports: the step exits 0 and says the member went down; the victim's
 * PID changed (its process crashed, the harness did not stop it) and its log shows the gofail
 * panic; afterwards every member reports the same revision (etcdctl endpoint status).
 */
import * as assert from "node:assert/strict";
import { GOFAIL_BIN } from "./support/etcd-loopback";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KILL_FAILPOINT, memberKillScript } from "../labs/etcd/network";
import { PeerProxiedCluster, buildGoTool, endpointStatus } from "./support/etcd-peer-network";
import { ProcessGroup, waitFor } from "./support/processes";
import { tempDir } from "./support/tools";

const BIN = GOFAIL_BIN;
/** Docker's first restart delay, milliseconds. */
const RESTART_DELAY_MS = 100;

describe("etcd member-kill step (the lab's script) against gofail members with a restart policy", function () {
    this.timeout(300_000);
    const processes = new ProcessGroup();
    let dir: { path: string; remove: () => void };
    let cluster: PeerProxiedCluster;
    let etcdctl: string;

    before(async function () {
        this.timeout(600_000);
        for (const tool of ["etcd", "etcdctl"]) {
            assert.ok(existsSync(join(BIN, tool)), `${join(BIN, tool)} missing: build etcd v3.5.17 with gofail (.ci/run does)`);
        }
        etcdctl = join(BIN, "etcdctl");
        dir = tempDir("etcd-member-kill");
        cluster = new PeerProxiedCluster(join(BIN, "etcd"), buildGoTool("etcd-peer-proxy"), dir.path, processes, 3, true);
        await cluster.start(etcdctl);
    });

    after(async () => {
        cluster?.members.forEach((_, i) => cluster.restartPolicy(i, undefined));
        await processes.stopAll();
        dir?.remove();
    });

    it("crashes the member through its failpoint, sees it restart, and waits until it has caught up", async () => {
        const victim = 0;
        cluster.restartPolicy(victim, RESTART_DELAY_MS);
        const pid = cluster.pid(victim);
        const script = memberKillScript(
            { client: cluster.clientURL(cluster.members[victim]), failpoints: cluster.failpointURL(victim) },
            cluster.clientURL(cluster.members[1]),
        );
        // Asynchronous: the restart policy lives on this event loop.
        const step = await runStep(script, 280_000);
        const output = step.output;
        console.log(output.replace(/^/gm, "      | "));
        assert.equal(step.status, 0, `the step failed:\n${output}`);
        assert.match(output, /member down after \d+ s/);
        assert.notEqual(cluster.pid(victim), pid, "the victim's process never changed: it did not crash");
        const logs = readdirSync(dir.path)
            .filter((f) => f.startsWith(`${cluster.members[victim].name}.`))
            .map((f) => readFileSync(join(dir.path, f), "utf8"))
            .join("\n");
        assert.match(logs, new RegExp(`panic|${KILL_FAILPOINT.name}`), "no panic in the victim's logs");
        const revisions = await waitFor(
            "every member at one revision",
            async () => {
                const r = endpointStatus(etcdctl, cluster.endpoints().split(",")).map((s) => s.revision);
                return r.length === 3 && new Set(r).size === 1 ? r : undefined;
            },
            30_000,
        );
        console.log(`      victim PID ${pid} → ${cluster.pid(victim)}; revisions ${revisions.join(", ")}`);
    });
});

/** Runs `script` with `sh -c`, killing it after `timeoutMs`; resolves with its exit status and output. */
function runStep(script: string, timeoutMs: number): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
        const child = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("close", (status) => {
            clearTimeout(timer);
            resolve({ status, output });
        });
    });
}
