/**
 * The CockroachDB, TiKV/PD and app-cluster membership plans (labs/<lab>/membership.ts), rendered
 * to `sh` scripts and run for real against stand-ins: `tests/fixtures/standins/cockroach` and
 * `pd-ctl` (no CockroachDB, PD or TiKV binary can be had here; see their headers) and a local
 * HTTP server for the app cluster's leave request, with the real curl. Each stand-in logs its
 * calls; each platform step is logged by the test into the same file, so the order is read
 * from one log. Waits run with 0.2 s intervals so the file stays fast.
 */
import * as assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { appScaleIn, appScaleInProblems } from "../labs/appcluster/membership";
import { CrdbStepTarget, crdbFinalize, crdbScaleIn, crdbUpgrade, crdbVersionProblems } from "../labs/crdb/membership";
import { CommandStep, PlatformStep, renderScript, worstCaseSeconds } from "../labs/steps";
import { PdStepTarget, pdRollingRestart, pdScaleIn, tikvRollingRestart, tikvScaleIn, tikvScaleInProblems } from "../labs/tikv/membership";
import { runPlan, runScript } from "./support/membership-run";
import { requireTool, tempDir } from "./support/tools";

const STANDINS = join(__dirname, "fixtures", "standins");
const FAST = { intervalSeconds: 0.2 };

describe("membership steps against stand-in cockroach and pd-ctl (stand-in tier)", function () {
    this.timeout(60_000);
    let dir: { path: string; remove: () => void };
    let statePath: string;
    let logPath: string;
    let env: NodeJS.ProcessEnv;

    before(() => {
        requireTool("sh");
        requireTool("curl");
    });
    beforeEach(() => {
        dir = tempDir("membership");
        statePath = join(dir.path, "state.json");
        logPath = join(dir.path, "calls.log");
        writeFileSync(logPath, "");
        env = { ...process.env, PATH: `${STANDINS}:${process.env.PATH}`, STANDIN_STATE: statePath, STANDIN_LOG: logPath };
    });
    afterEach(() => dir.remove());

    const state = () => JSON.parse(readFileSync(statePath, "utf8"));
    const save = (s: unknown) => writeFileSync(statePath, JSON.stringify(s, null, 2));
    const calls = () => readFileSync(logPath, "utf8").trim().split("\n");
    const logPlatform = (step: PlatformStep) => appendFileSync(logPath, `PLATFORM ${step.action} ${step.group}-${step.ordinal}\n`);
    /** Index of the first log line matching `re` (-1 when none). */
    const first = (re: RegExp) => calls().findIndex((l) => re.test(l));
    const last = (re: RegExp) => calls().length - 1 - [...calls()].reverse().findIndex((l) => re.test(l));

    describe("CockroachDB", () => {
        const target: CrdbStepTarget = {
            cockroach: "cockroach",
            security: "--insecure",
            host: "crdb-0.crdb-peer:26257",
            advertiseAddress: (i) => `crdb-${i}.crdb-peer:26257`,
        };
        // Node IDs are not ordinals + 1 (a node that rejoined gets a new ID): the steps must find them by address.
        const nodes = (ids: number[], build = "v24.3.5") =>
            ids.map((id, i) => ({ id, address: `crdb-${i}.crdb-peer:26257`, build, replicas: 40, membership: "active", live: true }));

        it("5 → 3 decommissions crdb-4 then crdb-3, one at a time, each to 0 replicas, before the platform removes either", async () => {
            save({ nodes: nodes([1, 2, 3, 7, 6]), movePerCall: 10, settings: {} });
            const removedWhile: string[] = [];
            const runs = await runPlan(crdbScaleIn(target, 5, 3, 3, FAST), env, dir.path, (step) => {
                const node = state().nodes[step.ordinal];
                removedWhile.push(`${node.membership}/${node.replicas}`);
                logPlatform(step);
            });
            assert.deepEqual(
                runs.map((r) => r.status),
                [0],
                runs.map((r) => r.stderr).join("\n"),
            );
            assert.deepEqual(removedWhile, ["decommissioned/0", "decommissioned/0"]);
            const log = calls();
            // crdb-4 is node 6, crdb-3 node 7 (from the stand-in state, not from the plan).
            const d6 = first(/^cockroach node decommission 6 --wait=none/);
            const d7 = first(/^cockroach node decommission 7 --wait=none/);
            assert.ok(d6 >= 0 && d7 >= 0, log.join("\n"));
            assert.ok(last(/^cockroach node decommission 6 /) < d7, "crdb-3's decommission started before crdb-4's finished");
            assert.ok(
                last(/decommission 7 /) < first(/^PLATFORM remove-member crdb-4/),
                "a node was removed before both were decommissioned",
            );
            assert.ok(first(/^PLATFORM remove-member crdb-4/) < first(/^PLATFORM remove-member crdb-3/));
            assert.equal(first(/decommission [123] /), -1, "a staying node was decommissioned");
            assert.ok(
                log.every((l) => l.startsWith("PLATFORM") || / --insecure --host=crdb-0\.crdb-peer:26257$/.test(l)),
                log.join("\n"),
            );
            console.log(
                `      ${log.filter((l) => /decommission/.test(l)).length} decommission calls, then: ${log.filter((l) => l.startsWith("PLATFORM")).join(", ")}`,
            );
        });

        it("a decommission that never finishes fails within its timeout, naming what it waited for, and nothing is removed", async () => {
            save({ nodes: nodes([1, 2, 3, 4]), movePerCall: 10, stuck: true, settings: {} });
            const runs = await runPlan(crdbScaleIn(target, 4, 3, 3, { ...FAST, decommissionSeconds: 2 }), env, dir.path, logPlatform);
            const run = runs[runs.length - 1];
            assert.notEqual(run.status, 0);
            assert.match(run.stderr, /timed out after 2 s waiting for crdb-3 to report 0 replicas and membership decommissioned/);
            assert.match(run.stderr, /last output: id,is_live,replicas,is_decommissioning,membership,is_draining/);
            // Whole-second deadline: at most 1 s late from the clock's granularity, plus one poll.
            assert.ok(run.seconds >= 1 && run.seconds < 4, `failed after ${run.seconds.toFixed(1)} s (bound 2 s)`);
            assert.equal(first(/^PLATFORM/), -1, "a node was removed after a failed decommission");
            console.log(`      stuck decommission failed after ${run.seconds.toFixed(1)} s (timeout 2 s)`);
        });

        it("refuses a scale-in below the replication factor, naming the safe sequence", () => {
            assert.throws(
                () => crdbScaleIn(target, 3, 2, 3),
                /crdb\.nodes: 3 → 2 is below the replication factor 3.*lower the replication factor first/,
            );
            assert.doesNotThrow(() => crdbScaleIn(target, 5, 3, 3));
        });

        it("refuses a skipped Regular release; an Innovation release may be skipped", () => {
            // cockroachlabs.com/docs/releases: v24.2 and v25.1 are Innovation releases; v24.1, v24.3, v25.2 Regular.
            assert.deepEqual(crdbVersionProblems("v24.1.3", "v24.3.0"), []);
            assert.deepEqual(crdbVersionProblems("v24.3.5", "v25.2.0"), []);
            assert.match(crdbVersionProblems("v23.2.1", "v24.3.0").join(), /skips the Regular release v24\.1/);
            assert.match(crdbVersionProblems("v24.2.1", "v25.1.0").join(), /skips the Regular release v24\.3/);
            assert.match(crdbVersionProblems("v24.3.5", "v24.1.0").join(), /downgrade/);
            assert.deepEqual(crdbVersionProblems("v24.3.5", "v24.3.6"), []);
        });

        it("a major upgrade turns auto-upgrade off first, replaces nodes one at a time (each live on the new build before the next), and leaves finalization out", async () => {
            save({ nodes: nodes([1, 2, 3]), settings: { "cluster.auto_upgrade.enabled": "true", version: "24.3" } });
            const liveBefore: boolean[] = [];
            const drainedAtReplace: string[] = [];
            const runs = await runPlan(crdbUpgrade(target, "v24.3.5", "v25.2.0", 3, FAST), env, dir.path, (step) => {
                const s = state();
                // Every other node runs and is live when one is replaced.
                liveBefore.push(s.nodes.every((n: { live: boolean }) => n.live));
                // The node being replaced, and only it, was drained first.
                drainedAtReplace.push(
                    s.nodes
                        .filter((n: { draining?: boolean }) => n.draining)
                        .map((n: { id: number }) => n.id)
                        .join(","),
                );
                s.nodes[step.ordinal].build = "v25.2.0";
                s.nodes[step.ordinal].draining = false;
                save(s);
                logPlatform(step);
            });
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            assert.deepEqual(liveBefore, [true, true, true]);
            assert.deepEqual(drainedAtReplace, ["3", "2", "1"]);
            assert.ok(first(/^cockroach node drain 3 --drain-wait=120s --insecure/) >= 0, calls().join("\n"));
            const off = first(/SET CLUSTER SETTING cluster\.auto_upgrade\.enabled = false/);
            const replaced = calls()
                .map((l, i) => [l, i] as const)
                .filter(([l]) => l.startsWith("PLATFORM"));
            assert.deepEqual(
                replaced.map(([l]) => l),
                ["PLATFORM replace-member crdb-2", "PLATFORM replace-member crdb-1", "PLATFORM replace-member crdb-0"],
            );
            assert.ok(off >= 0 && off < replaced[0][1], "auto-upgrade was not off before the first replacement");
            // Between two replacements: a status check of the node just replaced.
            assert.ok(
                calls()
                    .slice(replaced[0][1], replaced[1][1])
                    .some((l) => /^cockroach node status 3 --format=csv/.test(l)),
            );
            assert.equal(first(/SET CLUSTER SETTING version/), -1, "the roll finalized the upgrade");
            assert.equal(state().settings["cluster.auto_upgrade.enabled"], "false");

            const final = await runPlan(crdbFinalize(target, "v25.2.0", FAST), env, dir.path, logPlatform);
            assert.deepEqual(
                final.map((r) => r.status),
                [0],
                final.map((r) => r.stderr).join("\n"),
            );
            assert.equal(state().settings.version, "25.2");
            assert.equal(state().settings["cluster.auto_upgrade.enabled"], "true");
        });

        it("a patch upgrade needs no auto-upgrade setting", () => {
            const plan = crdbUpgrade(target, "v24.3.5", "v24.3.6", 3);
            assert.ok(!JSON.stringify(plan).includes("auto_upgrade"));
            assert.equal(plan.filter((s) => s.kind === "platform").length, 3);
        });

        it("from v23.1, which has no cluster.auto_upgrade.enabled, the hold is cluster.preserve_downgrade_option and finalization resets it", async () => {
            // v23.1 answers an unknown setting with an error (strictSettings); the setting arrived in v23.2.
            save({
                nodes: nodes([1, 2, 3], "v23.1.28"),
                strictSettings: true,
                settings: { "cluster.preserve_downgrade_option": "", version: "23.1" },
            });
            const runs = await runPlan(crdbUpgrade(target, "v23.1.28", "v23.2.20", 3, FAST), env, dir.path, (step) => {
                const s = state();
                s.nodes[step.ordinal].build = "v23.2.20";
                // The v23.2 binary brings the newer setting with its default.
                s.settings["cluster.auto_upgrade.enabled"] ??= "true";
                save(s);
                logPlatform(step);
            });
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            assert.ok(first(/SET CLUSTER SETTING cluster\.preserve_downgrade_option = '23\.1'/) < first(/^PLATFORM replace-member/));
            assert.equal(first(/auto_upgrade/), -1, "the v23.1 cluster was asked for a setting it does not have");
            const final = await runPlan(crdbFinalize(target, "v23.2.20", FAST), env, dir.path, logPlatform);
            assert.deepEqual(
                final.map((r) => r.status),
                [0],
                final.map((r) => r.stderr).join("\n"),
            );
            assert.ok(first(/RESET CLUSTER SETTING cluster\.preserve_downgrade_option/) < first(/SET CLUSTER SETTING version = '23\.2'/));
            assert.deepEqual(state().settings, {
                "cluster.preserve_downgrade_option": "",
                version: "23.2",
                "cluster.auto_upgrade.enabled": "true",
            });
            // A later finalization (no v23.1 path into it) leaves that setting alone.
            assert.ok(!JSON.stringify(crdbFinalize(target, "v24.1.0")).includes("preserve_downgrade_option"));
        });
    });

    describe("TiKV and PD", () => {
        const target: PdStepTarget = { pdCtl: "pd-ctl", pdUrl: "http://pd-0:2379", storeAddress: (i) => `tikv-${i}:20160` };
        const stores = (ids: number[]) => ids.map((id, i) => ({ id, address: `tikv-${i}:20160`, state: "Up", regions: 30, leaders: 10 }));
        const members = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `pd-${i}`, member_id: 1000 + i }));

        it("5 → 3 stores: tikv-4 then tikv-3, one at a time, both Tombstone before the platform removes either", async () => {
            save({ stores: stores([1, 4, 5, 8, 9]), members: members(3), leader: "pd-0", movePerCall: 10 });
            const statesAtRemoval: string[] = [];
            const runs = await runPlan(tikvScaleIn(target, 5, 3, FAST), env, dir.path, (step) => {
                statesAtRemoval.push(state().stores[step.ordinal].state);
                logPlatform(step);
            });
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            assert.deepEqual(statesAtRemoval, ["Tombstone", "Tombstone"]);
            assert.ok(first(/^pd-ctl -u http:\/\/pd-0:2379 store delete 9$/) >= 0, calls().join("\n"));
            // One store at a time: tikv-3 (store 8) is deleted after the last poll of tikv-4 (store 9), which saw Tombstone.
            assert.ok(last(/ store 9$/) < first(/store delete 8$/), "tikv-3 was deleted before tikv-4 was Tombstone");
            // One platform change removes both (labs/tikv/scale-in.ts): every delete precedes every removal.
            assert.ok(last(/ store 8$/) < first(/^PLATFORM remove-member tikv-4/), "a store was removed before both were Tombstone");
            assert.ok(first(/^PLATFORM remove-member tikv-4/) < first(/^PLATFORM remove-member tikv-3/));
            assert.equal(first(/store delete [145]$/), -1, "a staying store was deleted");
        });

        it("a re-run after the stores are gone skips them (listed as Tombstone, or no longer listed)", async () => {
            for (const listTombstones of [true, false]) {
                save({ stores: stores([1, 2, 3, 4]), members: members(3), leader: "pd-0", movePerCall: 30, listTombstones });
                const plan = tikvScaleIn(target, 4, 3, FAST);
                const once = await runPlan(plan, env, dir.path, logPlatform);
                const again = await runPlan(plan, env, dir.path, logPlatform);
                assert.deepEqual(
                    [...once, ...again].map((r) => r.status),
                    [0, 0],
                    again.map((r) => r.stderr).join(),
                );
                assert.equal(state().stores[3].state, "Tombstone");
                if (!listTombstones) assert.match(again[0].stdout, /skipped \(tikv-3 is no longer listed by pd-ctl store\)/);
            }
        });

        it("refuses fewer stores than max-replicas; a store that cannot empty fails within its timeout", async () => {
            assert.match(tikvScaleInProblems(4, 2).join(), /tikv\.stores: 4 → 2 leaves fewer stores than PD's max-replicas \(3\)/);
            assert.throws(() => tikvScaleIn(target, 3, 2), /max-replicas/);
            save({ stores: stores([1, 2, 3, 4]), members: members(3), leader: "pd-0", movePerCall: 10, stuck: true });
            const runs = await runPlan(tikvScaleIn(target, 4, 3, { ...FAST, tombstoneSeconds: 2 }), env, dir.path, logPlatform);
            const run = runs[runs.length - 1];
            assert.notEqual(run.status, 0);
            assert.match(run.stderr, /timed out after 2 s waiting for store tikv-3 to become Tombstone \(pd-ctl store\)/);
            assert.match(run.stderr, /"state_name":"Offline"/);
            assert.ok(run.seconds >= 1 && run.seconds < 4, `failed after ${run.seconds.toFixed(1)} s (bound 2 s)`);
            assert.equal(first(/^PLATFORM/), -1);
        });

        it("PD 3 → 2 with the leaver leading: leader transfer, then member delete, then removal; no transfer when it does not lead", async () => {
            save({ stores: stores([1, 2, 3]), members: members(3), leader: "pd-2" });
            const runs = await runPlan(pdScaleIn(target, 3, 2, FAST), env, dir.path, logPlatform);
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            const transfer = first(/^pd-ctl -u http:\/\/pd-0:2379 member leader transfer pd-0$/);
            const del = first(/member delete name pd-2$/);
            const removed = first(/^PLATFORM remove-member pd-2/);
            assert.ok(transfer >= 0 && transfer < del && del < removed, calls().join("\n"));
            assert.deepEqual(
                state().members.map((m: { name: string }) => m.name),
                ["pd-0", "pd-1"],
            );

            writeFileSync(logPath, "");
            save({ stores: stores([1, 2, 3]), members: members(3), leader: "pd-0" });
            const quiet = await runPlan(pdScaleIn(target, 3, 2, FAST), env, dir.path, logPlatform);
            assert.equal(quiet[0].status, 0, quiet[0].stderr);
            assert.equal(first(/leader transfer/), -1, "leadership moved off a member that did not lead");
            assert.match(quiet[0].stdout, /skipped \(not: pd-2 leads\)/);
        });

        it("rolling restart: evict-leader before each replacement (0 leaders then), scheduler removed after, one store at a time", async () => {
            save({ stores: stores([11, 12, 13]), members: members(3), leader: "pd-0", movePerCall: 5 });
            const leadersAtReplace: number[] = [];
            const runs = await runPlan(tikvRollingRestart(target, 3, FAST), env, dir.path, (step) => {
                const s = state();
                leadersAtReplace.push(s.stores[step.ordinal].leaders);
                s.stores[step.ordinal].leaders = 3; // back with a few leaders after its restart
                save(s);
                logPlatform(step);
            });
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            assert.deepEqual(leadersAtReplace, [0, 0, 0]);
            for (const [ordinal, id] of [
                [2, 13],
                [1, 12],
                [0, 11],
            ]) {
                const add = first(new RegExp(`scheduler add evict-leader-scheduler ${id}$`));
                const replace = first(new RegExp(`^PLATFORM replace-member tikv-${ordinal}$`));
                const remove = first(new RegExp(`scheduler remove evict-leader-scheduler-${id}$`));
                assert.ok(
                    add >= 0 && add < replace && replace < remove,
                    `tikv-${ordinal}: add ${add}, replace ${replace}, remove ${remove}`,
                );
            }
            assert.ok(
                first(/evict-leader-scheduler-13$/) < first(/scheduler add evict-leader-scheduler 12$/),
                "two stores evicted at once",
            );
            assert.deepEqual(state().evicting, []);
        });
        it("PD rolling restart: one member at a time, the leader moved off before its restart, each healthy before the next", async () => {
            save({ stores: stores([1, 2, 3]), members: members(3), leader: "pd-0" });
            const atReplace: string[] = [];
            const runs = await runPlan(pdRollingRestart(target, 3, FAST), env, dir.path, (step) => {
                const s = state();
                const down = s.members.filter((m: { downCalls?: number }) => (m.downCalls ?? 0) > 0).map((m: { name: string }) => m.name);
                atReplace.push(`pd-${step.ordinal} leader=${s.leader} down=[${down}]`);
                // Restarted: unhealthy for the next three pd-ctl calls.
                s.members[step.ordinal].downCalls = 3;
                save(s);
                logPlatform(step);
            });
            assert.ok(
                runs.every((r) => r.status === 0),
                runs.map((r) => r.stderr).join("\n"),
            );
            // Highest first; never the leader; never while another member is still down.
            assert.deepEqual(atReplace, ["pd-2 leader=pd-0 down=[]", "pd-1 leader=pd-0 down=[]", "pd-0 leader=pd-1 down=[]"]);
            assert.equal(first(/leader transfer pd-0$/), -1, "leadership moved although pd-2 and pd-1 did not lead");
            const transfer = first(/^pd-ctl -u http:\/\/pd-0:2379 member leader transfer pd-1$/);
            assert.ok(transfer >= 0 && transfer < first(/^PLATFORM replace-member pd-0$/), calls().join("\n"));
            // Each restarted member was polled with `health` until healthy before the next replacement.
            assert.ok(last(/ health$/) > first(/^PLATFORM replace-member pd-0$/), "no health poll after the last restart");
            assert.match(runs[1].stdout, /clusterlab-step 1\/2: pd-2 healthy again/);

            // A member that never comes back fails the task within its bound, naming it; nothing after it is replaced.
            writeFileSync(logPath, "");
            save({ stores: stores([1, 2, 3]), members: members(3), leader: "pd-0" });
            const stuck = await runPlan(pdRollingRestart(target, 3, { ...FAST, rejoinSeconds: 1.5 }), env, dir.path, (step) => {
                const s = state();
                s.members[step.ordinal].downCalls = 1_000;
                save(s);
                logPlatform(step);
            });
            const failed = stuck[stuck.length - 1];
            assert.notEqual(failed.status, 0);
            assert.match(failed.stderr, /timed out after 1\.5 s waiting for pd-2 to report healthy after its restart \(pd-ctl health\)/);
            assert.equal(first(/^PLATFORM replace-member pd-1$/), -1, "pd-1 was replaced while pd-2 was down");
            assert.throws(() => pdRollingRestart(target, 1), /at least 2 members/);
        });
    });

    describe("app cluster", () => {
        it("3 → 1: POST to the leave path of app-3, then of app-2, then both stop (one pulumi up); the path is validated", async () => {
            assert.match(appScaleInProblems(3, 2, "/leave; rm -rf /").join(), /app\.leavePath: expected a URL path/);
            assert.match(appScaleInProblems(3, 2, "http://evil/").join(), /app\.leavePath/);
            assert.deepEqual(appScaleInProblems(3, 2, "/cluster/leave"), []);
            const posts: string[] = [];
            const server = createServer((req, res) => {
                posts.push(`${req.method} ${req.headers.host?.split(":")[0]} ${req.url}`);
                appendFileSync(logPath, `POST ${req.url} (${posts.length})\n`);
                res.end("ok");
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            const port = (server.address() as AddressInfo).port;
            try {
                const plan = appScaleIn({ curl: "curl", apiAddress: () => `127.0.0.1:${port}`, leavePath: "/cluster/leave" }, 3, 1, {
                    leaveSeconds: 5,
                    intervalSeconds: 0.2,
                });
                const runs = await runPlan(plan, env, dir.path, logPlatform);
                assert.ok(runs.every((r) => r.status === 0));
                assert.deepEqual(calls(), [
                    "POST /cluster/leave (1)",
                    "POST /cluster/leave (2)",
                    "PLATFORM remove-member app-3-0",
                    "PLATFORM remove-member app-2-0",
                ]);
            } finally {
                server.close();
            }
        });
    });

    it("the renderer passes every argument as one word: quotes, $(…), backticks and newlines reach the command unchanged", async () => {
        const nasty = `it's $(echo pwned) \`id\` "x" ; rm -rf /tmp/nothing\nline2 \\ $HOME`;
        const run = await runScript(
            renderScript([{ kind: "command", name: `print ${nasty}`, run: ["printf", "%s|", nasty, "b"] }]),
            env,
            join(dir.path, "q.sh"),
            10_000,
        );
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.stdout.includes(`${nasty}|b|`), run.stdout);
        assert.throws(
            () => renderScript([{ kind: "command", name: "x", run: ["echo", { captured: "NOPE" }] }]),
            /no earlier capture defines/,
        );
    });
});

describe("worst case of a rendered task", () => {
    it("sums every bounded wait and an allowance per command, so a platform waits longer than the script can run", () => {
        const wait = (timeoutSeconds: number) => ({ timeoutSeconds, intervalSeconds: 1, waitingFor: "it" });
        const steps: CommandStep[] = [
            { kind: "command", name: "a", run: ["x"], wait: { ...wait(100), argv: ["y"], until: {} } },
            {
                kind: "command",
                name: "b",
                capture: [{ ...wait(20), argv: ["z"], name: "ID", pattern: "(.*)" }],
                run: ["x"],
                retry: wait(50),
            },
            { kind: "command", name: "c", onlyIf: { argv: ["p"], condition: {}, question: "q" }, run: ["x"] },
        ];
        // a: 100 + 2 commands; b: 20 + 50 + 2 commands; c: a probe of 5 × (2 s + 1 command) + 1 command.
        assert.equal(worstCaseSeconds(steps, 10), 100 + 20 + 20 + 50 + 20 + 5 * 12 + 10);
    });
});
