/**
 * The TiKV lab's Kubernetes stack (`Pulumi.tikv-k8s.yaml`) applied to kube-local, PD 3 → 5 and
 * TiKV 3 → 5 as config changes: the API server accepts every update and keeps every
 * StatefulSet and PVC; the per-member outputs name that member's own pod.
 */
import * as assert from "node:assert/strict";
import { kubeLocal } from "./kube-local.hooks";
import { Kubectl } from "../support/kube-apply";
import { KubeStack, describeSteps } from "../support/kube-phases";
import { stackConfig } from "../support/evaluate";

const NS = "tikv-scale";
/** kwok never pulls images, so any pinned reference stands in for the user's pushed go-ycsb build. */
const BASE = {
    kubernetes: { namespace: NS },
    grafanaAdminPassword: "k8s-tier-password",
    load: { enabled: true, image: "registry.local/go-ycsb:1.0.1" },
};
const STEPS: [string, Record<string, unknown>][] = [
    ["3 PD + 3 TiKV", BASE],
    ["5 PD + 3 TiKV", { ...BASE, pd: { members: 5 } }],
    ["5 PD + 5 TiKV", { ...BASE, pd: { members: 5 }, tikv: { stores: 5 } }],
];

describe("TiKV lab on a real API server (kube-local)", () => {
    let kubectl: Kubectl;
    let stack: KubeStack;
    const snapshots: Record<string, string>[] = [];

    before(async () => {
        kubectl = new Kubectl(kubeLocal().kubeconfig);
        stack = new KubeStack(kubectl, "tikv-k8s");
        for (const [label, overrides] of STEPS) {
            const step = await stack.apply(label, stackConfig("tikv-k8s", overrides));
            snapshots.push(kubectl.statefulUids(NS));
            if (step.report.refused) break;
        }
        console.log(`\n    --- what the API server reported (namespace ${NS}) ---\n${describeSteps(stack.steps).replace(/^/gm, "    ")}`);
    });

    it("accepts PD 3 → 5 and TiKV 3 → 5 as in-place updates, all members ready", () => {
        assert.deepEqual(
            stack.steps.map((s) => s.report.refused),
            [undefined, undefined, undefined],
        );
        assert.equal(stack.steps[1].report.outcomes.find((o) => o.ref === "StatefulSet/pd-join")?.outcome, "created");
        assert.equal(stack.steps[2].report.outcomes.find((o) => o.ref === "StatefulSet/tikv")?.outcome, "configured");
        const ready = Object.fromEntries(kubectl.list(NS, "statefulsets").map((s) => [s.metadata.name, s.status.readyReplicas]));
        assert.equal(ready.pd + ready["pd-join"], 5, JSON.stringify(ready));
        assert.equal(ready.tikv, 5, JSON.stringify(ready));
    });

    it("keeps every StatefulSet's and PVC's uid", () => {
        assert.ok(snapshots[0]["StatefulSet/tikv"] && snapshots[0]["PersistentVolumeClaim/data-pd-0"], JSON.stringify(snapshots[0]));
        for (const [ref, uid] of Object.entries(snapshots[0])) assert.equal(snapshots[2][ref], uid, `${ref} was re-created`);
        assert.equal(Object.keys(snapshots[2]).filter((k) => /^PersistentVolumeClaim\/data-tikv-\d$/.test(k)).length, 5);
    });

    it("points each per-member output at that member's own pod, not at a Service", () => {
        const outputs = stack.steps[2].graph.outputs as { pdClientUrls: string[]; tikvStatusUrls: string[] };
        const urls = [...outputs.pdClientUrls, ...outputs.tikvStatusUrls];
        assert.equal(urls.length, 10, urls.join("\n"));
        const pods = new Set<string>();
        for (const url of urls) {
            const m = /^kubectl -n (\S+) port-forward pod\/(\S+) (\d+):(\d+)/.exec(url);
            assert.ok(m, `not a pod port-forward: ${url}`);
            const pod = kubectl.get(m[1], `Pod/${m[2]}`);
            assert.ok(pod, `${url}: no pod ${m[2]}`);
            const ports = pod.spec.containers.flatMap((c: any) => c.ports.map((p: any) => p.containerPort));
            assert.ok(ports.includes(Number(m[4])), `${m[2]} has no container port ${m[4]} (${ports})`);
            pods.add(m[2]);
        }
        assert.deepEqual([...pods].sort(), [
            "pd-0",
            "pd-1",
            "pd-2",
            "pd-join-3",
            "pd-join-4",
            "tikv-0",
            "tikv-1",
            "tikv-2",
            "tikv-3",
            "tikv-4",
        ]);
    });
});
