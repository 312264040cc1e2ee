/**
 * The RawKV CDC lab on Kubernetes, applied to kube-local through its cases as config changes on
 * one namespace (case 1 → case 2 → case 3 with 3 main stores and a region split): the API server
 * accepts every step, and the recovery cluster's StatefulSets and PVCs are never re-created.
 * kwok runs no containers, so the changefeed, workload and checker Jobs "succeed" without TiKV:
 * what this proves is the objects and their order, not replication.
 */
import * as assert from "node:assert/strict";
import { kubeLocal } from "./kube-local.hooks";
import { Kubectl } from "../support/kube-apply";
import { KubeStack, describeSteps } from "../support/kube-phases";
import { deepMerge, stackConfig } from "../support/evaluate";
import { CDC_ON_KUBERNETES } from "../support/cdc-stack";

const NS = "cdc-cases";
const { kubernetes: _render, ...PUSHED_IMAGES } = CDC_ON_KUBERNETES;
const BASE = deepMerge(PUSHED_IMAGES, { kubernetes: { namespace: NS }, grafanaAdminPassword: "k8s-tier-password" });
const STEPS: [string, Record<string, unknown>][] = [
    ["case 1: CDC before the workload", BASE],
    ["case 2: CDC after the workload", deepMerge(BASE, { cdc: { start: "after" } })],
    ["case 3.1: 3 main stores, region split", deepMerge(BASE, { main: { tikv: { stores: 3 } }, cdc: { disturb: "split" } })],
];

describe("RawKV CDC lab on a real API server (kube-local)", () => {
    let kubectl: Kubectl;
    let stack: KubeStack;
    const snapshots: Record<string, string>[] = [];

    before(async () => {
        kubectl = new Kubectl(kubeLocal().kubeconfig);
        stack = new KubeStack(kubectl, "cdc-k8s");
        for (const [label, overrides] of STEPS) {
            const step = await stack.apply(label, stackConfig("cdc", overrides));
            snapshots.push(kubectl.statefulUids(NS));
            if (step.report.refused) break;
        }
        console.log(`\n    --- what the API server reported (namespace ${NS}) ---\n${describeSteps(stack.steps).replace(/^/gm, "    ")}`);
    });

    it("accepts every case switch, with the main cluster scaled to 3 stores in place", () => {
        assert.deepEqual(
            stack.steps.map((s) => s.report.refused),
            STEPS.map(() => undefined),
        );
        const ready = Object.fromEntries(kubectl.list(NS, "statefulsets").map((s) => [s.metadata.name, s.status.readyReplicas]));
        assert.equal(ready["main-tikv"], 3, JSON.stringify(ready));
        assert.equal(ready["recovery-tikv"], 1, JSON.stringify(ready));
    });

    it("never re-creates a StatefulSet or PVC, the recovery cluster's above all", () => {
        const recovery = Object.keys(snapshots[0]).filter((ref) => /recovery/.test(ref));
        assert.ok(recovery.length >= 4, `recovery cluster objects: ${recovery}`);
        for (const [ref, uid] of Object.entries(snapshots[0])) {
            for (const later of snapshots.slice(1)) assert.equal(later[ref], uid, `${ref} was re-created`);
        }
    });

    it("runs each case's changefeed, workload and checker as Jobs that complete", () => {
        const jobs = kubectl.list(NS, "jobs");
        const complete = (j: any) => (j.status.conditions ?? []).some((c: any) => c.type === "Complete" && c.status === "True");
        for (const step of stack.steps) {
            const names = [...step.graph.resources.values()]
                .filter((r) => r.type === "kubernetes:batch/v1:Job")
                .map((r) => r.inputs.metadata.name);
            assert.ok(
                names.some((n: string) => /changefeed/.test(n)),
                `${step.label}: no changefeed Job in ${names}`,
            );
            assert.ok(
                names.some((n: string) => /check/.test(n)),
                `${step.label}: no checker Job in ${names}`,
            );
        }
        const last = [...stack.steps.at(-1)!.graph.resources.values()].filter((r) => r.type === "kubernetes:batch/v1:Job");
        for (const r of last) {
            const job = jobs.find((j) => j.metadata.name === r.inputs.metadata.name);
            assert.ok(job, `Job ${r.inputs.metadata.name} missing on the server`);
            const waited = r.inputs.metadata.annotations?.["pulumi.com/skipAwait"] !== "true";
            if (waited) assert.ok(complete(job), `Job ${job.metadata.name} not Complete: ${JSON.stringify(job.status)}`);
        }
    });
});
