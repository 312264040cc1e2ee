/**
 * etcd on Kubernetes with a steps image (labs/etcd/self-join.ts) under the real engine on
 * kube-local: setting the steps image is one update of the StatefulSet's pod template, and after
 * it a member-count change 3 → 5 is an update of `spec.replicas` alone — the engine's own
 * detailed diff says so — with no membership Job, and kube-local's StatefulSet controller brings
 * the pods to 5/5 (kwok marks them Ready: the scripts themselves run for real in
 * tests/etcd-self-join.t1.ts; the shrink's order is tests/engine/scale-in.engine.ts).
 */
import * as assert from "node:assert/strict";
import { EngineRun, EngineStack } from "./engine-stack";

const STEPS_IMAGE = "registry.local/etcd-steps:v3.5.17";

/** The `up` step's StatefulSet `etcd` step: op and the changed property paths (the engine's detailedDiff). */
function statefulSetChange(run: EngineRun): { op: string; paths: string[] } | undefined {
    const up = run.result.records.find((r) => r.step === "up");
    const step = up?.log?.steps.find((s) => /kubernetes:apps\/v1:StatefulSet::etcd$/.test(s.urn));
    return step && { op: step.op, paths: Object.keys(step.detailedDiff ?? {}).sort() };
}

describe("etcd on Kubernetes: the steps image first, then 3 → 5 as a replicas change, under the real engine (kube-local)", () => {
    let stack: EngineStack;
    const runs: Record<string, EngineRun> = {};

    before(async () => {
        stack = new EngineStack("etcd-self-join", "etcd", "etcd-self-join", { platform: "kubernetes", load: { enabled: false } });
        for (const [label, overrides] of [
            ["at 3", { etcd: { members: 3 } }],
            ["steps image", { etcd: { members: 3, stepsImage: STEPS_IMAGE } }],
            ["at 5", { etcd: { members: 5, stepsImage: STEPS_IMAGE } }],
        ] as const) {
            runs[label] = await stack.run(label, "up", overrides);
            assert.equal(
                runs[label].result.exitCode,
                0,
                `${label}: ${runs[label].result.records.map((r) => `${r.step} ${r.result}: ${r.detail.slice(0, 3).join(" / ")}`).join("\n")}`,
            );
        }
    });

    after(() => stack && console.log(`\n${stack.table()}\n`));

    it("setting the steps image updates the pod template in place (one rolling restart), replacing nothing", () => {
        const change = statefulSetChange(runs["steps image"]);
        assert.equal(change?.op, "update", JSON.stringify(change));
        assert.ok(change!.paths.length > 0 && change!.paths.every((p) => p.startsWith("spec.template")), change!.paths.join(", "));
        const fields = [...new Set(change!.paths.map((p) => p.replace(/\[\d+\].*$/, "")))];
        console.log(`      steps image: StatefulSet etcd ${change!.op} of ${change!.paths.length} paths under ${fields.join(", ")}`);
    });

    it("3 → 5 changes spec.replicas only, registers no membership Job, and the StatefulSet reaches 5/5", () => {
        const change = statefulSetChange(runs["at 5"]);
        assert.deepEqual(change, { op: "update", paths: ["spec.replicas"] });
        assert.deepEqual(
            Object.keys(runs["at 5"].api.jobs).filter((j) => /^etcd-(grow|shrink|roll)-/.test(j)),
            [],
        );
        assert.equal(runs["at 5"].api.ready.etcd, "5/5");
        console.log(`      3 → 5: StatefulSet etcd ${change!.op} of ${change!.paths.join(", ")}; ready ${runs["at 5"].api.ready.etcd}`);
    });
});
