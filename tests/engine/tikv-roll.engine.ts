/**
 * The TiKV lab's version bump on Kubernetes under the real engine (kube-local): `version`
 * v8.5.1 → v8.5.2 updates the PD StatefulSet, then the TiKV StatefulSet, each in place, and the
 * TiKV pods the API server holds carry the leader handoff (labs/tikv/leader-handoff.ts): the
 * helper in the new PD image, both preStop hooks, its readiness, a grace period above the wait.
 * kwok runs no containers or hooks, so what this proves is the engine's plan and what a real API
 * server accepts; the scripts themselves run against the stand-in `pd-ctl` in
 * tests/tikv-leader-handoff.test.ts.
 */
import * as assert from "node:assert/strict";
import { EngineRun, EngineStack, timelineIndex } from "./engine-stack";

/** The `up` step's change of StatefulSet `name`: op and the changed property paths (the engine's detailedDiff). */
function statefulSetChange(run: EngineRun, name: string): { op: string; paths: string[] } | undefined {
    const up = run.result.records.find((r) => r.step === "up");
    const step = up?.log?.steps.find((s) => new RegExp(`kubernetes:apps/v1:StatefulSet::${name}$`).test(s.urn));
    return step && { op: step.op, paths: Object.keys(step.detailedDiff ?? {}).sort() };
}

describe("TiKV v8.5.1 → v8.5.2 on Kubernetes under the real engine: PD, then the stores, each StatefulSet rolled in place with the leader handoff", () => {
    let stack: EngineStack;
    const runs: EngineRun[] = [];

    before(async () => {
        stack = new EngineStack("tikv-roll", "tikv-k8s", "tikv-roll", { load: { enabled: false } });
        for (const [label, overrides] of [
            ["v8.5.1", {}],
            ["v8.5.2", { version: "v8.5.2" }],
        ] as const) {
            const run = await stack.run(label, "up", overrides);
            runs.push(run);
            assert.equal(
                run.result.exitCode,
                0,
                `${label}: ${run.result.records.map((r) => `${r.step} ${r.result}: ${r.detail.slice(0, 3).join(" / ")}`).join("\n")}`,
            );
        }
    });

    after(() => stack && console.log(`\n${stack.table()}\n`));

    it("updates both StatefulSets' pod templates in place, replacing nothing; every uid is kept", () => {
        for (const name of ["pd", "tikv"]) {
            const change = statefulSetChange(runs[1], name);
            assert.equal(change?.op, "update", `${name}: ${JSON.stringify(change)}`);
            assert.ok(
                change!.paths.every((p) => p.startsWith("spec.template")),
                `${name}: ${change!.paths.join(", ")}`,
            );
            console.log(`      StatefulSet ${name}: ${change!.op} of ${change!.paths.join(", ")}`);
        }
        for (const [ref, uid] of Object.entries(runs[0].api.uids)) assert.equal(runs[1].api.uids[ref], uid, `${ref} was re-created`);
        assert.equal(runs[1].api.ready.tikv, "3/3");
    });

    it("starts rolling the stores only after the engine saw PD's roll done", () => {
        const pdDone = timelineIndex(runs[1], "done", "update", /StatefulSet::pd$/);
        const tikvStart = timelineIndex(runs[1], "start", "update", /StatefulSet::tikv$/);
        assert.ok(pdDone >= 0 && tikvStart > pdDone, `PD done at event ${pdDone}, TiKV starts at event ${tikvStart}`);
        console.log(`      update StatefulSet pd done at event ${pdDone}; update StatefulSet tikv starts at event ${tikvStart}`);
    });

    it("the API server holds TiKV pods that hand their leaders off: helper in the new PD image, both hooks, readiness, grace above the wait", () => {
        const sts = stack.kubectl.list("tikv-roll", "statefulsets").find((s) => s.metadata.name === "tikv");
        assert.ok(sts, "no StatefulSet tikv");
        const pod = sts.spec.template.spec;
        const byName = Object.fromEntries(pod.containers.map((c: { name: string }) => [c.name, c]));
        assert.deepEqual(Object.keys(byName), ["tikv", "tikv-handoff"]);
        assert.equal(byName.tikv.image, "pingcap/tikv:v8.5.2");
        assert.equal(byName["tikv-handoff"].image, "pingcap/pd:v8.5.2");
        assert.match(byName["tikv-handoff"].lifecycle.preStop.exec.command.join(" "), /scheduler add evict-leader-scheduler/);
        assert.match(byName.tikv.lifecycle.preStop.exec.command.join(" "), /\/etc\/tikv-handoff\/evicted/);
        assert.ok(byName["tikv-handoff"].readinessProbe.exec, "the helper has no readiness probe");
        assert.ok(pod.terminationGracePeriodSeconds > 300, `grace ${pod.terminationGracePeriodSeconds} s`);
        console.log(
            `      tikv pods: containers ${Object.keys(byName).join(", ")}; helper ${byName["tikv-handoff"].image}; grace ${pod.terminationGracePeriodSeconds} s`,
        );
    });
});
