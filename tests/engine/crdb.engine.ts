/**
 * The CockroachDB phase stack under the real engine, driven by the phase runner on one fresh
 * stack: phase 0 → 1 → 2 → 5 nodes → `preview --expect-no-changes`; then the guard's refusals
 * as the engine prints them, a destructive change the gate stops before `up`, and what the
 * engine does with a `crdb.version` bump and with `storageGiB` under `allowReplace`.
 * Evidence: the engine's events (ops per step) and the API server (uids, Jobs).
 * Insecure mode only: the tls provider is not available to this engine (secure mode stays in
 * tests/k8s/crdb-secure.k8s.ts, on tests/support/kube-apply.ts).
 */
import * as assert from "node:assert/strict";
import { EngineRun, EngineStack } from "./engine-stack";
import { recordFixture } from "./fixtures";

const STEPS: [string, Record<string, unknown>][] = [
    ["phase0", {}],
    ["phase1", { phase: 1, crdb: { nodes: 2 } }],
    ["phase2", { phase: 2, crdb: { nodes: 3 } }],
    ["phase2, 5 nodes", { phase: 2, crdb: { nodes: 5 } }],
];
const FIVE = STEPS[3][1];

const ok = (run: EngineRun) =>
    assert.equal(
        run.result.exitCode,
        0,
        `${run.label}: ${run.result.records.map((r) => `${r.step} ${r.result}: ${r.detail.join(" / ")}`).join("\n")}`,
    );
const record = (run: EngineRun, step: string) => run.result.records.find((r) => r.step === step);
const withFive = (extra: Record<string, unknown>) => ({ ...FIVE, crdb: { nodes: 5, ...(extra.crdb as object) }, ...extra, phase: 2 });

describe("CockroachDB phases under the real engine (phase runner, kube-local)", () => {
    const stack = () => crdb;
    let crdb: EngineStack;
    const ups: EngineRun[] = [];
    /** The preview runs after the ups, recorded with them in one fixture (the guard needs the sequence). */
    const previews: EngineRun[] = [];

    before(async () => {
        crdb = new EngineStack("crdb-engine", "phase0", "crdb-engine", { crdb: { secure: false } });
        for (const [label, overrides] of STEPS) {
            const run = await crdb.run(label, "up", overrides);
            ups.push(run);
            if (run.result.exitCode !== 0) break;
        }
    });

    after(() => console.log(`\n${stack().table()}\n`));

    it("takes phase 0 → 1 → 2 → 5 nodes: the gate passes each, up and check are ok", () => {
        assert.equal(ups.length, STEPS.length);
        for (const run of ups) ok(run);
        assert.equal(ups[0].api.ready.crdb, "1/1");
        assert.equal(ups[3].api.ready.crdb, "5/5");
    });

    it("never replaces or deletes a StatefulSet or PVC, and keeps every uid from the phase it appeared", () => {
        for (const run of ups) {
            const destructive = run.result.records.flatMap((r) => r.destructive);
            assert.ok(!destructive.some((d) => /StatefulSet|PersistentVolumeClaim/.test(d)), `${run.label}: ${destructive}`);
        }
        for (let i = 1; i < ups.length; i++) {
            for (const [ref, uid] of Object.entries(ups[i - 1].api.uids))
                assert.equal(ups[i].api.uids[ref], uid, `${ups[i].label}: ${ref} re-created`);
        }
        assert.equal(Object.keys(ups[3].api.uids).filter((r) => r.startsWith("PersistentVolumeClaim/data-crdb-")).length, 5);
    });

    it("completes every Job, a backup before phases 1 and 2 among them, and re-runs none", () => {
        const last = ups[ups.length - 1].api.jobs;
        for (const [name, job] of Object.entries(last)) assert.ok(job.complete, `Job ${name} not complete`);
        assert.ok(last["backup-before-phase1"] && last["backup-before-phase2"], Object.keys(last).join(", "));
        for (let i = 1; i < ups.length; i++) {
            for (const [name, job] of Object.entries(ups[i - 1].api.jobs))
                assert.equal(ups[i].api.jobs[name]?.uid, job.uid, `${ups[i].label}: Job ${name} re-run`);
        }
    });

    it("then plans no changes (`preview --expect-no-changes`)", async () => {
        const run = await crdb.run("no-op", "preview", FIVE, { expectNoChanges: true });
        ok(run);
        assert.deepEqual(record(run, "preview")!.ops, {});
        previews.push(run);
    });

    it("refuses a scale-in without crdb.allowScaleIn, as the engine prints the guard's message", async () => {
        const run = await crdb.run("scale-in 5 → 3", "preview", withFive({ crdb: { nodes: 3 } }));
        const preview = record(run, "preview")!;
        console.log(`    engine printed: ${preview.detail.join("\n    ")}`);
        assert.equal(preview.result, "refused");
        assert.match(preview.detail.join("\n"), /crdb\.nodes: 5 → 3 .*allowScaleIn/);
        assert.deepEqual(preview.ops, {});
        previews.push(run);
    });

    it("refuses a bigger crdb.storageGiB without allowReplace, as the engine prints it", async () => {
        const run = await crdb.run("storageGiB 20", "preview", withFive({ crdb: { nodes: 5, storageGiB: 20 } }));
        const preview = record(run, "preview")!;
        console.log(`    engine printed: ${preview.detail.join("\n    ")}`);
        assert.equal(preview.result, "refused");
        assert.match(preview.detail.join("\n"), /crdb\.storageGiB/);
        recordFixture("crdb-phases", [...ups, ...previews, run]);
    });

    it("stops a destructive change (storageGiB 20 with allowReplace) at the gate, before anything is touched", async () => {
        const before = crdb.view();
        const run = await crdb.run(
            "storageGiB 20 + allowReplace",
            "up",
            withFive({ crdb: { nodes: 5, storageGiB: 20 }, allowReplace: true }),
        );
        const gate = record(run, "gate")!;
        console.log(`    gate's refusal:\n      ${gate.detail.join("\n      ")}`);
        assert.equal(gate.result, "refused");
        assert.equal(record(run, "up"), undefined, "up ran after a refused gate");
        assert.ok(
            gate.detail.some((l) => /StatefulSet\s+crdb\s+no\s+.*volumeClaimTemplates/.test(l)),
            gate.detail.join("\n"),
        );
        assert.deepEqual(run.api.uids, before.uids);
    });

    it("bumps crdb.version (v24.3.5 → v24.3.6): the StatefulSet is updated in place, no completed step Job is replaced or re-run", async () => {
        const before = crdb.view();
        const run = await crdb.run("crdb.version v24.3.6", "up", withFive({ crdb: { nodes: 5, version: "v24.3.6" } }));
        const up = record(run, "up");
        console.log(
            `    version bump: ${run.result.records.map((r) => `${r.step} ${r.result}`).join(", ")}; destructive: ${up?.destructive.join(", ") || "none"}`,
        );
        ok(run);
        assert.deepEqual(run.api.uids, before.uids, "a StatefulSet or PVC was re-created");
        const replacedJobs = up!.destructive.filter((d) => /\bJob\//.test(d)).map((d) => d.split("/").pop());
        assert.deepEqual(
            replacedJobs,
            [],
            `the engine replaced (re-ran) ${replacedJobs.length} completed step Job(s): ${replacedJobs.join(", ")}`,
        );
        for (const [name, job] of Object.entries(before.jobs)) assert.equal(run.api.jobs[name]?.uid, job.uid, `Job ${name} re-run`);
    });

    it("applies storageGiB 20 with allowReplace past the gate (--allow-destructive): the engine re-creates the StatefulSet, the PVCs keep their uids and 10Gi", async () => {
        const before = crdb.view();
        const run = await crdb.run(
            "storageGiB 20, --allow-destructive",
            "up",
            withFive({ crdb: { nodes: 5, storageGiB: 20, version: "v24.3.6" }, allowReplace: true }),
            { allowDestructive: true },
        );
        const up = record(run, "up");
        console.log(
            `    storageGiB 20: ${run.result.records.map((r) => `${r.step} ${r.result}`).join(", ")}; destructive: ${up?.destructive.join(", ")}`,
        );
        assert.equal(up?.result, "ok", up?.detail.join("\n"));
        assert.ok(
            up!.destructive.some((d) => /StatefulSet\/crdb/.test(d)),
            up!.destructive.join(", "),
        );
        assert.notEqual(run.api.uids["StatefulSet/crdb"], before.uids["StatefulSet/crdb"], "the StatefulSet kept its uid");
        const sts = crdb.kubectl.get(crdb.namespace, "StatefulSet/crdb");
        assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        for (let i = 0; i < 5; i++) {
            const ref = `PersistentVolumeClaim/data-crdb-${i}`;
            assert.equal(run.api.uids[ref], before.uids[ref], `${ref} re-created`);
            assert.equal(crdb.kubectl.get(crdb.namespace, ref).spec.resources.requests.storage, "10Gi");
        }
    });
});
