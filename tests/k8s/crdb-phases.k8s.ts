/**
 * The CockroachDB phase stacks applied to a real API server (kube-local), phase by phase, as
 * the provider would apply them. The server's answers are the evidence: it refuses changes to a
 * StatefulSet's immutable fields (Kubernetes `apps/v1` validation, `ValidateStatefulSetUpdate`:
 * only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
 * minReadySeconds may change), so an accepted update is one that needs no replacement.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { kubeLocal } from "./kube-local.hooks";
import { Kubectl } from "../support/kube-apply";
import { KubeStack, describeSteps } from "../support/kube-phases";
import { manifestWaves } from "../support/kube-manifests";
import { PROMETHEUS_TARGETS_ALLOWED, diffGraphs } from "../support/phase-diff";
import { evaluate, stackConfig } from "../support/evaluate";
import { CRDB_PHASES } from "../../labs/crdb/phases";
import { tempDir } from "../support/tools";

const PASSWORD = { grafanaAdminPassword: "k8s-tier-password" };
const ns = (namespace: string) => ({ kubernetes: { namespace }, ...PASSWORD });

describe("CockroachDB phases on a real API server (kube-local)", () => {
    const NS = "crdb-evolve";
    let kubectl: Kubectl;
    let stack: KubeStack;
    const snapshots: Record<string, Record<string, string>> = {};

    before(async () => {
        kubectl = new Kubectl(kubeLocal().kubeconfig);
        stack = new KubeStack(kubectl, "live");
        for (const phase of ["phase0", "phase1", "phase2"]) {
            const step = await stack.apply(phase, stackConfig(phase, ns(NS)));
            snapshots[phase] = kubectl.statefulUids(NS);
            if (step.report.refused) break;
        }
        console.log(`\n    --- what the API server reported (namespace ${NS}) ---\n${describeSteps(stack.steps).replace(/^/gm, "    ")}`);
        for (const [phase, snap] of Object.entries(snapshots)) {
            console.log(
                `    ${phase} uids: ${Object.entries(snap)
                    .map(([k, v]) => `${k}=${v.slice(0, 8)}`)
                    .join(" ")}`,
            );
        }
    });

    it("accepts every phase: phase N+1 only creates and configures, the crdb StatefulSet is updated in place", () => {
        assert.equal(stack.steps.length, 3);
        for (const step of stack.steps) assert.equal(step.report.refused, undefined, `${step.label} refused: ${step.report.refused}`);
        for (const step of stack.steps.slice(1)) {
            const crdb = step.report.outcomes.find((o) => o.ref === "StatefulSet/crdb");
            assert.equal(crdb?.outcome, "configured", `${step.label}: StatefulSet/crdb ${crdb?.outcome}`);
        }
    });

    it("keeps every StatefulSet's and PVC's uid from phase 0 to phase 2", () => {
        const [first, , last] = [snapshots.phase0, snapshots.phase1, snapshots.phase2];
        assert.ok(first["StatefulSet/crdb"] && first["PersistentVolumeClaim/data-crdb-0"], JSON.stringify(first));
        for (const [ref, uid] of Object.entries(first)) assert.equal(last[ref], uid, `${ref} was re-created`);
        assert.deepEqual(
            Object.keys(last)
                .filter((k) => k.startsWith("PersistentVolumeClaim/data-crdb"))
                .sort(),
            ["PersistentVolumeClaim/data-crdb-0", "PersistentVolumeClaim/data-crdb-1", "PersistentVolumeClaim/data-crdb-2"],
        );
    });

    it("completes each phase's backup Job before the crdb StatefulSet's replicas change", () => {
        for (const [i, phase] of [
            [1, "phase1"],
            [2, "phase2"],
        ] as const) {
            const step = stack.steps[i];
            const job = kubectl.get(NS, `Job/backup-before-${phase}`);
            assert.ok(job?.status?.completionTime, `backup-before-${phase}: not complete`);
            const stsApplied = step.report.outcomes.find((o) => o.ref === "StatefulSet/crdb")!.appliedAt;
            const completed = Date.parse(job.status.completionTime);
            console.log(
                `    ${phase}: backup Job completionTime ${job.status.completionTime}, crdb replicas update sent ${new Date(stsApplied).toISOString()}`,
            );
            // completionTime has one-second resolution; compare at that resolution.
            assert.ok(
                completed <= Math.floor(stsApplied / 1000) * 1000,
                `${phase}: backup completed ${job.status.completionTime} after the update ${new Date(stsApplied).toISOString()}`,
            );
        }
    });

    it("rolls a Prometheus config change out as a new ConfigMap, deleting the old one afterwards", () => {
        for (const step of stack.steps.slice(1)) {
            const created = step.report.outcomes.filter((o) => o.outcome === "created" && o.ref.startsWith("ConfigMap/prometheus-files-"));
            const deleted = step.report.outcomes.filter((o) => o.outcome === "deleted");
            assert.equal(created.length, 1, `${step.label}: ${JSON.stringify(step.report.outcomes)}`);
            assert.deepEqual(
                deleted.map((d) => d.ref.replace(/-[0-9a-f]+$/, "")),
                ["ConfigMap/prometheus-files"],
            );
            assert.notEqual(deleted[0].ref, created[0].ref);
        }
        const prom = kubectl.get(NS, "StatefulSet/prometheus");
        const mounted = prom.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name;
        assert.ok(kubectl.get(NS, `ConfigMap/${mounted}`), `Prometheus mounts ${mounted}, which does not exist`);
    });

    it("ends phase 2 as the engine did: crdb 3/3 ready, PVCs Bound, every step Job Complete (crdb-init, 2 backups, each phase's SQL files)", () => {
        const crdb = kubectl.get(NS, "StatefulSet/crdb");
        assert.equal(crdb.status.readyReplicas, 3);
        const pvcs = kubectl.list(NS, "persistentvolumeclaims").filter((p) => p.metadata.name.startsWith("data-crdb-"));
        assert.deepEqual(
            pvcs.map((p) => p.status.phase),
            ["Bound", "Bound", "Bound"],
        );
        const jobs = kubectl.list(NS, "jobs");
        const complete = jobs.filter((j) => j.status.conditions?.some((c: any) => c.type === "Complete" && c.status === "True"));
        // crdb-init + a backup before phases 1 and 2 (the stack starts at phase 0) + one Job per SQL file.
        const expected = 1 + 2 + CRDB_PHASES.reduce((n, p) => n + p.sql.length, 0);
        assert.equal(complete.length, expected, jobs.map((j) => j.metadata.name).join(", "));
    });

    it("scales in as crdb.allowScaleIn permits (5 → 3 nodes) and leaves the removed nodes' PVCs Bound", async () => {
        const out = await stack.apply("phase2, 5 nodes", stackConfig("phase2", { ...ns(NS), crdb: { nodes: 5 } }));
        assert.equal(out.report.refused, undefined, out.report.refused);
        const before = kubectl.statefulUids(NS);
        const inStep = await stack.apply(
            "phase2, 3 nodes (allowScaleIn)",
            stackConfig("phase2", { ...ns(NS), crdb: { nodes: 3, allowScaleIn: true } }),
        );
        assert.equal(inStep.report.refused, undefined, inStep.report.refused);
        assert.equal(kubectl.get(NS, "StatefulSet/crdb").spec.replicas, 3);
        for (const ordinal of [3, 4]) {
            const pvc = kubectl.get(NS, `PersistentVolumeClaim/data-crdb-${ordinal}`);
            assert.equal(pvc?.status?.phase, "Bound", `data-crdb-${ordinal}`);
            assert.equal(pvc.metadata.uid, before[`PersistentVolumeClaim/data-crdb-${ordinal}`]);
        }
        console.log(describeSteps(stack.steps.slice(-2)).replace(/^/gm, "    "));
    });

    // What the engine does with this change is not a refusal: it deletes and re-creates the
    // StatefulSet (tests/engine/crdb.engine.ts). Here only the in-place update can be tried, which
    // is why the guard (allowReplace) and the runner's gate must stop the change before `up`.
    it("cannot change volumeClaimTemplates (crdb.storageGiB: 20) in place, so only a replacement makes it, and the phase-diff check flags it", async () => {
        const accepted = stack.lastGraph!;
        const uidsBefore = kubectl.statefulUids(NS);
        const step = await stack.apply(
            "phase2, storageGiB 20 (in place)",
            stackConfig("phase2", { ...ns(NS), crdb: { nodes: 3, allowScaleIn: true, storageGiB: 20 }, allowReplace: true }),
        );
        console.log(`    storageGiB 20 in place: ${step.report.refused}`);
        assert.match(
            step.report.refused ?? "",
            /StatefulSet "crdb" is invalid: spec: Forbidden: updates to statefulset spec for fields other than/,
        );
        assert.deepEqual(kubectl.statefulUids(NS), uidsBefore);
        const violations = diffGraphs(accepted, step.graph, PROMETHEUS_TARGETS_ALLOWED);
        const crdb = violations.find((v) => v.resource === "kubernetes:apps/v1:StatefulSet::crdb");
        assert.ok(
            crdb?.paths.some((p) => p.startsWith("spec.volumeClaimTemplates[0].spec.resources.requests.storage")),
            JSON.stringify(violations),
        );
    });

    it("creates a stack directly at phase 2 in one pass (fresh namespace, no backups)", async () => {
        const direct = new KubeStack(kubectl, "direct");
        const step = await direct.apply("phase2 from scratch", stackConfig("phase2", ns("crdb-direct")));
        console.log(describeSteps([step]).replace(/^/gm, "    "));
        assert.equal(step.report.refused, undefined, step.report.refused);
        assert.ok(step.report.outcomes.every((o) => o.outcome === "created"));
        assert.equal(kubectl.get("crdb-direct", "StatefulSet/crdb").status.readyReplicas, 3);
        assert.ok(!step.report.outcomes.some((o) => o.ref.startsWith("Job/backup-")));
    });

    it("the renderYamlToDirectory manifests pass kubectl apply --dry-run=server", async () => {
        const dir = tempDir("clusterlab-render");
        try {
            const graph = await evaluate(
                stackConfig("phase2", { ...ns("crdb-render"), kubernetes: { namespace: "crdb-render", renderYamlToDirectory: dir.path } }),
                "render",
            );
            // The provider writes one file per object under `1-manifest/` (`0-crd/` holds CRDs; we have none).
            const manifests = manifestWaves(graph).flat();
            mkdirSync(join(dir.path, "1-manifest"), { recursive: true });
            for (const m of manifests) {
                const file = `${m.object.apiVersion.replace("/", "_")}-${m.object.kind.toLowerCase()}-${m.object.metadata.namespace ?? ""}-${m.object.metadata.name}.yaml`;
                writeFileSync(join(dir.path, "1-manifest", file), stringify(m.object));
            }
            // Namespaced objects need their namespace to exist even in a dry run.
            kubectl.ok(["create", "namespace", "crdb-render"]);
            const r = kubectl.run(["apply", "--dry-run=server", "-f", join(dir.path, "1-manifest")]);
            assert.equal(r.status, 0, r.stderr);
            const lines = r.stdout.trim().split("\n");
            console.log(`    dry-run=server: ${lines.length} objects, e.g. ${lines.find((l) => l.includes("statefulset"))}`);
            assert.equal(lines.length, manifests.length);
            assert.ok(
                lines.every((l) => l.endsWith("(server dry run)")),
                r.stdout,
            );
            assert.deepEqual(kubectl.list("crdb-render", "statefulsets"), [], "a dry run persisted objects");
        } finally {
            dir.remove();
        }
    });
});
