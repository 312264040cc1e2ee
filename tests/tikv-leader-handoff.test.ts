/**
 * The TiKV stores' leader handoff on Kubernetes (labs/tikv/leader-handoff.ts): the three rendered
 * scripts run for real with `sh` against the stand-in `pd-ctl` (tests/fixtures/standins/pd-ctl:
 * no PD or TiKV binary can be had here), with the test playing the kubelet and the StatefulSet
 * controller — both preStop hooks at once when a pod is deleted, the helper's own script when it
 * starts, the next pod only once the previous one is ready. kwok (the engine tier's nodes) runs
 * no containers or hooks, so this is the tier that judges the scripts; the pod wiring is judged
 * under mocks below and by the real engine (tests/engine/roll-order.engine.ts).
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
    HANDOFF_CONTAINER,
    LeaderHandoffArgs,
    leaderHandoffMemberPreStopScript,
    leaderHandoffPreStopScript,
    leaderHandoffStartScript,
} from "../labs/tikv/leader-handoff";
import { Graph, evaluate, evaluateChange, ofType, stackConfig } from "./support/evaluate";
import { ScriptRun, runScript } from "./support/membership-run";
import { stopProcess, waitFor } from "./support/processes";
import { requireTool, run, tempDir } from "./support/tools";

const PD_CTL = join(__dirname, "fixtures", "standins", "pd-ctl");

interface StandinStore {
    id: number;
    address: string;
    state: string;
    regions: number;
    leaders: number;
    upAfterCalls?: number;
}

describe("TiKV leader handoff on Kubernetes: the scripts against a stand-in pd-ctl (stand-in tier)", function () {
    this.timeout(120_000);
    let dir: { path: string; remove: () => void };
    let statePath: string;
    let logPath: string;
    const started: ChildProcess[] = [];

    before(() => {
        requireTool("sh");
        requireTool("pgrep");
    });
    beforeEach(() => {
        dir = tempDir("tikv-handoff");
        statePath = join(dir.path, "state.json");
        logPath = join(dir.path, "calls.log");
        writeFileSync(logPath, "");
    });
    afterEach(async () => {
        await Promise.all(started.splice(0).map((c) => stopProcess(c, 2_000)));
        dir.remove();
    });

    const state = () => JSON.parse(readFileSync(statePath, "utf8"));
    const save = (s: unknown) => writeFileSync(statePath, JSON.stringify(s, null, 2));
    /** A change of the stand-in's state under its lock (the directory it takes: the hooks' pd-ctl calls run meanwhile). */
    const update = (change: (s: any) => void) => {
        // eslint-disable-line @typescript-eslint/no-explicit-any
        const lock = `${statePath}.lock`;
        for (let i = 0; ; i++) {
            try {
                mkdirSync(lock);
                break;
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "EEXIST" || i > 500) throw e;
                Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
            }
        }
        try {
            const s = state();
            change(s);
            save(s);
        } finally {
            rmSync(lock, { recursive: true, force: true });
        }
    };
    const calls = () => readFileSync(logPath, "utf8").trim().split("\n");
    const first = (re: RegExp) => calls().findIndex((l) => re.test(l));
    const address = (i: number) => `tikv-${i}.tikv-peer.lab.svc.cluster.local:20160`;
    const stores = (ids: number[]): StandinStore[] =>
        ids.map((id, i) => ({ id, address: address(i), state: "Up", regions: 30, leaders: 10 }));
    const members = [{ name: "pd-0", member_id: 1000 }];

    /** One pod's view: its shared directory, the helper's log, the env the kubelet gives its containers. */
    const pod = (ordinal: number) => {
        const shared = join(dir.path, `tikv-${ordinal}`);
        mkdirSync(shared, { recursive: true });
        const log = join(dir.path, `tikv-${ordinal}.log`);
        writeFileSync(log, "", { flag: "a" });
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            STANDIN_STATE: statePath,
            STANDIN_LOG: logPath,
            POD_NAME: `tikv-${ordinal}`,
            STORE_ADDRESS: address(ordinal),
            HANDOFF_LOG: log,
        };
        return { shared, log, env, said: () => readFileSync(log, "utf8") };
    };
    const args = (shared: string, timeouts: LeaderHandoffArgs["timeouts"] = {}): LeaderHandoffArgs => ({
        pdCtl: PD_CTL,
        pdUrl: "http://pd-0.pd-peer.lab.svc.cluster.local:2379",
        sharedPath: shared,
        timeouts: { intervalSeconds: 0.2, ...timeouts },
    });

    /** The helper container starting: its script in the background; resolves when `ready` exists. */
    const startHelper = async (ordinal: number, timeouts: LeaderHandoffArgs["timeouts"] = {}) => {
        const p = pod(ordinal);
        const child = spawn("sh", ["-c", leaderHandoffStartScript(args(p.shared, timeouts))], { env: p.env, stdio: "ignore" });
        started.push(child);
        await waitFor(
            `tikv-${ordinal}'s helper to mark it ready (${p.log})`,
            async () => existsSync(join(p.shared, "ready")) || undefined,
            30_000,
            100,
        );
        return child;
    };

    /**
     * The pod deleted: both preStop hooks at once (the kubelet); then SIGTERM to the helper; TiKV
     * "stops" when its own hook returns, and the test records its leader count at that moment.
     */
    const deletePod = async (ordinal: number, helper: ChildProcess | undefined, timeouts: LeaderHandoffArgs["timeouts"] = {}) => {
        const p = pod(ordinal);
        let leadersAtStop = -1;
        const [hook, member] = await Promise.all([
            runScript(leaderHandoffPreStopScript(args(p.shared, timeouts)), p.env, join(dir.path, `prestop-${ordinal}.sh`), 60_000),
            runScript(
                leaderHandoffMemberPreStopScript(args(p.shared, timeouts)),
                p.env,
                join(dir.path, `member-${ordinal}.sh`),
                60_000,
            ).then((run: ScriptRun) => {
                // TiKV stops now; PD soon sees the store Disconnected (no heartbeats).
                update((s) => {
                    const store = s.stores.find((x: StandinStore) => x.address === address(ordinal));
                    leadersAtStop = store.leaders;
                    // Disconnected until a test starts it again (the stand-in turns a store Up when upAfterCalls runs out).
                    if (store.state === "Up") Object.assign(store, { state: "Disconnected", upAfterCalls: 1_000_000 });
                });
                return run;
            }),
        ]);
        if (helper) {
            // The helper's idle `sleep` must go with it (its TERM trap kills it), as the kubelet expects of a container.
            const children = run("pgrep", ["-P", String(helper.pid)])
                .stdout.split("\n")
                .filter(Boolean)
                .map(Number);
            await stopProcess(helper, 2_000);
            // Dead is gone or a zombie (state Z in /proc/<pid>/stat): an orphan waits there for init to reap it.
            // A signal lands asynchronously, so a busy machine gets up to 5 s.
            const isAlive = (pid: number) => {
                try {
                    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
                } catch {
                    return false;
                }
            };
            let alive = children.filter(isAlive);
            for (let i = 0; alive.length > 0 && i < 50; i++) {
                await new Promise((r) => setTimeout(r, 100));
                alive = alive.filter(isAlive);
            }
            assert.deepEqual(alive, [], `tikv-${ordinal}'s helper left processes behind`);
        }
        // The pod's emptyDir goes with it: the next pod's helper starts from an empty directory.
        rmSync(p.shared, { recursive: true, force: true });
        return { hook, member, leadersAtStop, said: p.said() };
    };

    it("a rolling update, tikv-2 → tikv-0: each store's leaders leave before TiKV stops, its scheduler goes once it is Up again, one store at a time", async () => {
        save({ stores: stores([4, 5, 9]), members, leader: "pd-0", movePerCall: 4 });
        const helpers = await Promise.all([0, 1, 2].map((i) => startHelper(i)));
        assert.equal(first(/scheduler (add|remove)/), -1, "a fresh start touched a scheduler");
        for (const [ordinal, id] of [
            [2, 9],
            [1, 5],
            [0, 4],
        ]) {
            const stop = await deletePod(ordinal, helpers[ordinal]);
            assert.equal(stop.hook.status, 0, stop.hook.stderr);
            assert.equal(stop.member.status, 0, stop.member.stderr);
            assert.equal(stop.leadersAtStop, 0, `tikv-${ordinal} stopped holding leaders:\n${stop.said}`);
            assert.ok(stop.member.end >= stop.hook.end - 0.05, `TiKV's hook returned before the eviction ended:\n${stop.said}`);
            assert.match(stop.said, new RegExp(`store ${id} holds 0 leaders: TiKV may stop`));
            // The new pod: the store is Disconnected for a few PD answers, then Up with a few leaders back.
            const s = state();
            Object.assign(s.stores[ordinal], { state: "Disconnected", upAfterCalls: 6, leaders: 2 });
            save(s);
            helpers[ordinal] = await startHelper(ordinal);
            assert.deepEqual(state().evicting, [], `the scheduler of store ${id} is left after tikv-${ordinal} is ready`);
            const add = first(new RegExp(`scheduler add evict-leader-scheduler ${id}$`));
            const remove = first(new RegExp(`scheduler remove evict-leader-scheduler-${id}$`));
            assert.ok(add >= 0 && add < remove, `store ${id}: add at ${add}, remove at ${remove}`);
        }
        // One store at a time: each scheduler is gone before the next store's is added.
        assert.ok(first(/evict-leader-scheduler-9$/) < first(/add evict-leader-scheduler 5$/), calls().join("\n"));
        assert.ok(first(/evict-leader-scheduler-5$/) < first(/add evict-leader-scheduler 4$/), calls().join("\n"));
    });

    it("a store already deleted through PD (a scale-in) evicts nothing and lets TiKV stop at once", async () => {
        const s = stores([1, 2, 3, 7]);
        s[3] = { ...s[3], state: "Tombstone", regions: 0, leaders: 0 };
        save({ stores: s, members, leader: "pd-0" });
        const stop = await deletePod(3, undefined);
        assert.equal(stop.hook.status, 0, stop.hook.stderr);
        assert.match(stop.said, /store 7 is Tombstone, not Up: nothing to evict/);
        assert.equal(first(/scheduler add/), -1, calls().join("\n"));
        assert.ok(stop.member.seconds < 10, `TiKV waited ${stop.member.seconds.toFixed(1)} s for nothing`);
    });

    it("every store stopping together (no roll) ends early instead of waiting out the bound", async () => {
        // Leaders cannot move while every store evicts: the stand-in keeps them (stuck).
        save({ stores: stores([1, 2, 3]), members, leader: "pd-0", stuck: true });
        const timeouts = { evictSeconds: 60 };
        const stops = await Promise.all([0, 1, 2].map((i) => deletePod(i, undefined, timeouts)));
        for (const [i, stop] of stops.entries()) {
            assert.equal(stop.hook.status, 0, stop.hook.stderr);
            assert.match(stop.said, /the stores are stopping together/, stop.said);
            assert.ok(stop.member.seconds < 30, `tikv-${i}: TiKV waited ${stop.member.seconds.toFixed(1)} s (bound 60 s)`);
        }
        console.log(
            `      stop-all: TiKV hooks returned after ${stops.map((s) => s.member.seconds.toFixed(1)).join(", ")} s (eviction bound 60 s)`,
        );
    });

    // The bound is whole seconds of `date +%s`, so 3 s is between 2 and 3 s of wall clock (plus the last poll).
    it("a store whose leaders cannot leave: the hook gives up after its bound, says so, and TiKV stops then", async () => {
        save({ stores: stores([1, 2, 3]), members, leader: "pd-0", stuck: true });
        const stop = await deletePod(0, undefined, { evictSeconds: 3 });
        assert.equal(stop.hook.status, 0, stop.hook.stderr);
        assert.match(
            stop.said,
            /timed out after 3 s waiting for store 1 to hold 0 leaders \(pd-ctl store: leader_count 10\); TiKV stops anyway/,
        );
        assert.ok(stop.hook.seconds >= 2 && stop.hook.seconds < 20, `the hook ran ${stop.hook.seconds.toFixed(1)} s`);
        assert.ok(stop.member.end >= stop.hook.end - 0.05, "TiKV's hook returned before the eviction gave up");
    });

    it("PD refusing the evict-leader scheduler (pd-ctl exits 0 anyway) ends the wait at once, quoting PD", async () => {
        save({ stores: stores([1, 2, 3]), members, leader: "pd-0", refuseEvict: true });
        const stop = await deletePod(1, undefined);
        assert.equal(stop.hook.status, 0, stop.hook.stderr);
        assert.match(
            stop.said,
            /PD did not add an evict-leader scheduler for store 2 \(pd-ctl: Failed to add scheduler: .*\): TiKV stops with its leaders/,
        );
        assert.ok(stop.member.seconds < 10, `TiKV waited ${stop.member.seconds.toFixed(1)} s`);
    });

    it("the only store Up has nowhere to send its leaders: no eviction", async () => {
        save({ stores: stores([1]), members, leader: "pd-0" });
        const stop = await deletePod(0, undefined);
        assert.match(stop.said, /store 1 is the only store Up: its leaders have nowhere to go/);
        assert.equal(first(/scheduler add/), -1, calls().join("\n"));
    });

    it("a store that never comes Up: the helper fails after its bound, naming the address, and the pod stays unready", async () => {
        save({ stores: stores([1, 2]), members, leader: "pd-0" });
        const p = pod(5);
        const run = await runScript(leaderHandoffStartScript(args(p.shared, { upSeconds: 2 })), p.env, join(dir.path, "start.sh"), 30_000);
        assert.equal(run.status, 1);
        assert.match(
            p.said(),
            /timed out after 2 s waiting for the store at tikv-5\.tikv-peer\.lab\.svc\.cluster\.local:20160 to be Up \(pd-ctl store: id '', state ''\)/,
        );
        assert.ok(!existsSync(join(p.shared, "ready")));
    });

    it("refuses a path, URL or bound that would not survive the shell", () => {
        assert.throws(
            () => leaderHandoffPreStopScript({ ...args("/etc/x"), pdUrl: "http://pd-0:2379/'; rm -rf /" }),
            /pdUrl .* is not http\(s\):\/\/host:port/,
        );
        assert.throws(() => leaderHandoffStartScript({ ...args("/etc/x y") }), /sharedPath .* is not an absolute path/);
        assert.throws(
            () => leaderHandoffStartScript({ ...args("/etc/x"), timeouts: { evictSeconds: 1.5 } }),
            /evictSeconds must be a positive whole number/,
        );
    });
});

describe("TiKV leader handoff: the pod wiring (mocks)", () => {
    const statefulSet = (g: Graph, name = "tikv") => {
        const found = ofType(g, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === name);
        assert.ok(found, `no StatefulSet ${name}`);
        return found.inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    it("Kubernetes: a helper in the PD image beside TiKV, both preStop hooks, readiness on its file, and a grace period above the wait", async () => {
        const g = await evaluate(stackConfig("tikv-k8s", {}), "tikv-k8s");
        const pod = statefulSet(g).spec.template.spec;
        const [tikv, helper] = pod.containers;
        assert.equal(tikv.name, "tikv");
        assert.equal(helper.name, HANDOFF_CONTAINER);
        assert.match(helper.image, /pingcap\/pd:v8\.5\.1/);
        assert.equal(helper.image, statefulSet(g, "pd").spec.template.spec.containers[0].image);
        const storeAddress = helper.env.find((e: { name: string }) => e.name === "STORE_ADDRESS");
        // The kubelet expands $(POD_NAME) in env values, after POD_NAME itself is defined.
        assert.match(storeAddress.value, /^\$\(POD_NAME\)\.tikv-peer\.[a-z0-9-]+\.svc\.cluster\.local:20160$/);
        assert.ok(helper.env.findIndex((e: { name: string }) => e.name === "POD_NAME") < helper.env.indexOf(storeAddress));
        assert.match(helper.lifecycle.preStop.exec.command[2], /scheduler add evict-leader-scheduler/);
        assert.match(tikv.lifecycle.preStop.exec.command.join(" "), /^\/bin\/sh -c .*\/etc\/tikv-handoff\/evicted/);
        assert.match(helper.readinessProbe.exec.command.join(" "), /test -f '\/etc\/tikv-handoff\/ready'/);
        const wait = Number(/-lt ([0-9]+) \]/.exec(tikv.lifecycle.preStop.exec.command[2])?.[1]);
        assert.ok(wait >= 300, `TiKV waits ${wait} s, less than the eviction bound`);
        assert.ok(pod.terminationGracePeriodSeconds > wait, `grace ${pod.terminationGracePeriodSeconds} s ≤ the hook's wait ${wait} s`);
        // Both share the directory; the helper reaches PD member 0.
        assert.ok(tikv.volumeMounts.some((m: { mountPath: string }) => m.mountPath === "/etc/tikv-handoff"));
        assert.match(helper.command[2], /PD_URL='http:\/\/pd-0\.pd-peer\.[a-z0-9-]+\.svc\.cluster\.local:2379'/);
    });

    it("Kubernetes: the pod template is the same at 3 and 5 stores (a scale-out touches only replicas)", async () => {
        const { before, after } = await evaluateChange(
            "tikv-k8s",
            stackConfig("tikv-k8s", {}),
            stackConfig("tikv-k8s", { tikv: { stores: 5 } }),
        );
        assert.deepEqual(statefulSet(after).spec.template, statefulSet(before).spec.template);
        assert.equal(statefulSet(after).spec.replicas, 5);
    });

    it("Docker: no helper (its roll evicts leaders in tasks)", async () => {
        const g = await evaluate(stackConfig("dev", {}), "dev");
        const tikv = ofType(g, "docker:index/container:Container").find((c) => c.name === "tikv-0");
        assert.ok(tikv, "no container tikv-0");
        for (const r of g.resources.values())
            assert.ok(!JSON.stringify(r.inputs).includes("evict-leader-scheduler"), `${r.name} carries an eviction script`);
    });
});
