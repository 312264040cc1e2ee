/**
 * Scale-in under the real engine (phase runner, kube-local): a lab's leaving members are handed
 * to a one-shot step Job first (leave requests, decommission, store delete), and nothing is
 * shrunk or removed until the engine has seen that Job complete. Judged from the engine's own
 * event stream (`resourcePreEvent` / `resOutputsEvent` order, scripts/lab/events.ts `timeline`)
 * and from what the API server keeps (the leaving members' PVCs).
 *
 * kwok runs no containers, so the Job's pod is marked Succeeded without running its script:
 * this proves the order the engine applies, not what the script does (the script runs for real
 * against real servers or the stand-ins in npm test: tests/appcluster-leave.test.ts,
 * tests/membership-standins.test.ts).
 */
import * as assert from "node:assert/strict";
import { EngineRun, EngineStack, timelineIndex } from "./engine-stack";

/** One scale-in case: the stack grows first, then shrinks with its step. */
interface ScaleInCase {
    title: string;
    stack: string;
    stackFile: string;
    base: Record<string, unknown>;
    grow: Record<string, unknown>;
    shrink: Record<string, unknown>;
    /**
     * Each step Job's name, the engine steps that must start only after it is done (op, a pattern of
     * the URN's end), and the resources whose every step must be done before it starts (`before`).
     */
    jobs: { job: string; after: { op: string; urn: RegExp }[]; before?: RegExp[] }[];
    /** PVC names (a part of) that must still exist after the shrink. */
    keptClaims: RegExp[];
}

const CASES: ScaleInCase[] = [
    {
        title: "app cluster 4 → 3 with app.leavePath",
        stack: "appcluster-scale-in",
        stackFile: "appcluster",
        base: { platform: "kubernetes" },
        grow: { app: { nodes: 4 } },
        shrink: { app: { nodes: 3, allowScaleIn: true, leavePath: "/cluster/leave" } },
        jobs: [{ job: "app-leave-4-to-3", after: [{ op: "delete", urn: /StatefulSet::app-4$/ }] }],
        keptClaims: [/app-4/],
    },
    {
        title: "TiKV 5 PD + 5 stores → 3 + 3",
        stack: "tikv-scale-in",
        stackFile: "tikv-k8s",
        base: {},
        grow: { pd: { members: 5 }, tikv: { stores: 5 } },
        shrink: { pd: { members: 3, allowScaleIn: true }, tikv: { stores: 3, allowScaleIn: true } },
        jobs: [
            { job: "tikv-store-delete-5-to-3", after: [{ op: "update", urn: /StatefulSet::tikv$/ }] },
            // The scale-out members live in `pd-join`; 5 → 3 removes that StatefulSet.
            { job: "pd-member-delete-5-to-3", after: [{ op: "delete", urn: /StatefulSet::pd-join$/ }] },
        ],
        keptClaims: [/tikv-4/, /pd-join-4/],
    },
    {
        // Members that join by themselves (labs/etcd/self-join.ts): one StatefulSet whose pods carry the start helper.
        title: "etcd 5 → 3 on Kubernetes with a steps image",
        stack: "etcd-scale-in",
        stackFile: "etcd",
        base: { platform: "kubernetes", load: { enabled: false }, etcd: { stepsImage: "registry.local/etcd-steps:v3.5.17" } },
        grow: { etcd: { members: 5 } },
        shrink: { etcd: { members: 3, allowScaleIn: true } },
        // The new count is stored first: a leaving pod restarted after the removal reads 3 and stays out.
        jobs: [
            { job: "etcd-shrink-5-to-3", after: [{ op: "update", urn: /StatefulSet::etcd$/ }], before: [/ConfigMap::etcd-start-state$/] },
        ],
        keptClaims: [/etcd-4/],
    },
];

for (const c of CASES) {
    describe(`${c.title} under the real engine: the step Job completes before anything leaves`, () => {
        let stack: EngineStack;
        let shrink: EngineRun | undefined;

        before(async () => {
            stack = new EngineStack(c.stack, c.stackFile, c.stack, c.base);
            const grown = await stack.run("grow", "up", c.grow);
            assert.equal(grown.result.exitCode, 0, `grow: ${grown.result.records.map((r) => `${r.step} ${r.result}: ${r.detail[0]}`)}`);
            shrink = await stack.run("shrink", "up", c.shrink, { allowDestructive: true });
        });

        after(() => stack && console.log(`\n${stack.table()}\n`));

        it("applies the shrink; every step Job is complete", () => {
            assert.ok(shrink);
            assert.equal(
                shrink.result.exitCode,
                0,
                shrink.result.records.map((r) => `${r.step} ${r.result}: ${r.detail.slice(0, 3).join(" / ")}`).join("\n"),
            );
            for (const { job } of c.jobs)
                assert.equal(shrink.api.jobs[job]?.complete, true, `Job ${job}: ${JSON.stringify(shrink.api.jobs)}`);
        });

        it("starts removing or shrinking members only after the engine saw the Job done", () => {
            assert.ok(shrink);
            for (const { job, after } of c.jobs) {
                const done = timelineIndex(shrink, "done", undefined, new RegExp(`Job::${job}$`));
                assert.ok(done >= 0, `no completion of Job ${job} in the engine's events`);
                for (const step of after) {
                    const start = timelineIndex(shrink, "start", step.op, step.urn);
                    assert.ok(start >= 0, `no ${step.op} of ${step.urn} in the engine's events`);
                    assert.ok(start > done, `${step.op} ${step.urn} started (event ${start}) before Job ${job} was done (event ${done})`);
                    console.log(`      Job ${job} done at event ${done}; ${step.op} ${step.urn.source} starts at event ${start}`);
                }
            }
        });

        if (c.jobs.some((j) => j.before?.length))
            it("starts each Job only after the engine saw what it reads changed", () => {
                assert.ok(shrink);
                const timeline = shrink.result.records.find((r) => r.step === "up")?.log?.timeline ?? [];
                for (const { job, before = [] } of c.jobs) {
                    const start = timelineIndex(shrink, "start", undefined, new RegExp(`Job::${job}$`));
                    for (const urn of before) {
                        const events = timeline.flatMap((e, i) => (urn.test(e.urn) ? [{ ...e, i }] : []));
                        assert.ok(events.length > 0, `no step of ${urn} in the engine's events`);
                        const lastDone = Math.max(...events.filter((e) => e.event === "done").map((e) => e.i));
                        assert.ok(start > lastDone, `Job ${job} started (event ${start}) before ${urn} was done (event ${lastDone})`);
                        console.log(
                            `      ${urn.source}: ${events.map((e) => `${e.event} ${e.op} @${e.i}`).join(", ")}; Job ${job} starts at event ${start}`,
                        );
                    }
                }
            });

        it("keeps the leaving members' volumes", () => {
            assert.ok(shrink);
            const claims = Object.keys(shrink.api.uids).filter((k) => k.startsWith("PersistentVolumeClaim/"));
            for (const kept of c.keptClaims)
                assert.ok(
                    claims.some((k) => kept.test(k)),
                    `no claim ${kept} left: ${claims.join(", ")}`,
                );
        });
    });
}
