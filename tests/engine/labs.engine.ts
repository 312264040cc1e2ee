/**
 * The other Kubernetes labs under the real engine, each on a fresh stack through the phase
 * runner: TiKV 3 PD + 3 TiKV → 5 PD → 5 TiKV; the RawKV CDC lab through cases 1 → 2 → 3.1;
 * the app cluster 3 → 4 nodes, then the fault drill `stopped: [2]`; the etcd lab with peer proxies
 * through its network scenarios (members untouched). Each step must pass the
 * gate, keep every StatefulSet's and PVC's uid, and leave the namespace's Jobs complete.
 * kwok runs no containers: what this proves is the engine's plan and the objects, not the
 * databases (tests/k8s/*.k8s.ts and the Docker tier say the same for their part).
 */
import * as assert from "node:assert/strict";
import { deepMerge } from "../support/evaluate";
import { CDC_ON_KUBERNETES } from "../support/cdc-stack";
import { EngineRun, EngineStack } from "./engine-stack";
import { recordFixture } from "./fixtures";

/** A lab's steps on one stack. */
interface LabCase {
    title: string;
    stack: string;
    stackFile: string;
    base: Record<string, unknown>;
    steps: [string, Record<string, unknown>][];
    /** What the API server must show after the last step: StatefulSet name → `ready/replicas`. */
    ready: Record<string, string>;
    /** URNs (a pattern of their end) no step may change at all: the members a step claims to leave alone. */
    untouched?: RegExp[];
}

const { kubernetes: _render, ...CDC_IMAGES } = CDC_ON_KUBERNETES;

const CASES: LabCase[] = [
    {
        title: "TiKV: 3 PD + 3 TiKV → 5 PD → 5 TiKV",
        stack: "tikv-engine",
        stackFile: "tikv-k8s",
        base: { load: { enabled: true, image: "registry.local/go-ycsb:1.0.1" } },
        steps: [
            ["3 PD + 3 TiKV", {}],
            ["5 PD", { pd: { members: 5 } }],
            ["5 TiKV", { pd: { members: 5 }, tikv: { stores: 5 } }],
        ],
        // Scale-out PD members join through their own StatefulSet (`pd-join`), so `pd` keeps its 3.
        ready: { pd: "3/3", "pd-join": "2/2", tikv: "5/5" },
    },
    {
        title: "RawKV CDC on Kubernetes: case 1 → 2 → 3.1",
        stack: "cdc-engine",
        stackFile: "cdc",
        base: CDC_IMAGES,
        steps: [
            ["case 1", {}],
            ["case 2", { cdc: { start: "after" } }],
            ["case 3.1", { main: { tikv: { stores: 3 } }, cdc: { disturb: "split" } }],
        ],
        ready: { "main-tikv": "3/3", "recovery-tikv": "1/1" },
    },
    {
        title: "app cluster on Kubernetes: 3 → 4 nodes → stopped: [2]",
        stack: "appcluster-engine",
        stackFile: "appcluster",
        base: { platform: "kubernetes" },
        steps: [
            ["3 nodes", {}],
            ["4 nodes", { app: { nodes: 4 } }],
            ["stopped: [2]", { app: { nodes: 4, stopped: [2] } }],
        ],
        ready: { "app-1": "1/1", "app-2": "0/0", "app-4": "1/1" },
    },
    {
        title: "etcd on Kubernetes with peer proxies: baseline → network-delay → partition → baseline",
        stack: "etcd-engine",
        stackFile: "etcd",
        base: {
            platform: "kubernetes",
            etcd: { peerProxies: true, peerProxyImage: "registry.local/etcd-peer-proxy:1.0.0" },
            load: { enabled: false },
        },
        steps: [
            ["baseline", {}],
            ["network-delay", { scenario: "network-delay" }],
            ["partition", { scenario: "partition" }],
            ["baseline again", { scenario: "baseline" }],
        ],
        ready: { etcd: "3/3", "etcd-peer-proxy": "3/3" },
        // A network scenario changes the proxies' flags only (labs/etcd/network.ts); members never.
        untouched: [/StatefulSet::etcd$/, /PersistentVolumeClaim/],
    },
];

for (const lab of CASES) {
    describe(`${lab.title} under the real engine (phase runner, kube-local)`, () => {
        let stack: EngineStack;
        const runs: EngineRun[] = [];

        before(async () => {
            stack = new EngineStack(lab.stack, lab.stackFile, lab.stack, lab.base);
            for (const [label, overrides] of lab.steps) {
                const run = await stack.run(label, "up", deepMerge({}, overrides));
                runs.push(run);
                if (run.result.exitCode !== 0) break;
            }
        });

        after(() => stack && console.log(`\n${stack.table()}\n`));

        it("passes the gate, applies and checks every step", () => {
            assert.equal(runs.length, lab.steps.length);
            for (const run of runs) {
                assert.equal(
                    run.result.exitCode,
                    0,
                    `${run.label}: ${run.result.records.map((r) => `${r.step} ${r.result}: ${r.detail.join(" / ")}`).join("\n")}`,
                );
            }
        });

        it("never replaces or deletes a StatefulSet or PVC; every uid is kept", () => {
            for (const run of runs) {
                const destructive = run.result.records.flatMap((r) => r.destructive);
                assert.ok(!destructive.some((d) => /StatefulSet|PersistentVolumeClaim/.test(d)), `${run.label}: ${destructive}`);
            }
            for (let i = 1; i < runs.length; i++) {
                for (const [ref, uid] of Object.entries(runs[i - 1].api.uids))
                    assert.equal(runs[i].api.uids[ref], uid, `${runs[i].label}: ${ref} re-created`);
            }
        });

        if (lab.untouched) {
            it(`no step after the first changes ${lab.untouched.map((r) => r.source).join(", ")}`, () => {
                // After the first step, which creates them.
                for (const run of runs.slice(1)) {
                    const up = run.result.records.find((r) => r.step === "up");
                    const changed = (up?.log?.changing() ?? []).filter((c) => lab.untouched!.some((u) => u.test(c.urn)));
                    assert.deepEqual(
                        changed.map((c) => `${c.op} ${c.urn}`),
                        [],
                        `${run.label}: a member changed`,
                    );
                }
            });
        }

        it("ends with the StatefulSets the last step asks for and every Job complete", () => {
            const last = runs[runs.length - 1].api;
            for (const [name, ready] of Object.entries(lab.ready))
                assert.equal(last.ready[name], ready, `${name}: ${JSON.stringify(last.ready)}`);
            for (const [name, job] of Object.entries(last.jobs)) assert.ok(job.complete, `Job ${name} not complete`);
            recordFixture(lab.stack, runs, lab.stack);
        });
    });
}
