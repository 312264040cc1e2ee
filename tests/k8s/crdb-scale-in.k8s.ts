/**
 * CockroachDB scale-in on a real API server (kube-local): phase 2 at 5 nodes, then 4 with
 * `crdb.allowScaleIn`. The program registers the decommission Job (labs/crdb/decommission.ts)
 * and the StatefulSet depends on it; applied as the provider would (tests/support/kube-apply.ts:
 * a dependency is awaited — a Job until `Complete` — before its dependents are sent), the
 * StatefulSet's new replica count reaches the server only after the Job completed. kwok runs no
 * containers, so the decommission script itself is not executed here: its commands are proven
 * against the stand-in cockroach (tests/membership-standins.test.ts); this proves the order.
 */
import * as assert from "node:assert/strict";
import { kubeLocal } from "./kube-local.hooks";
import { Kubectl } from "../support/kube-apply";
import { KubeStack, describeSteps } from "../support/kube-phases";
import { stackConfig } from "../support/evaluate";

describe("CockroachDB scale-in on a real API server (kube-local): decommission Job before the StatefulSet shrinks", () => {
    const NS = "crdb-shrink";
    const config = (nodes: number) =>
        stackConfig("phase2", {
            kubernetes: { namespace: NS },
            grafanaAdminPassword: "k8s-tier-password",
            crdb: { nodes, allowScaleIn: true },
        });

    it("5 → 4: the Job completes, then the StatefulSet is configured to 4 replicas", async () => {
        const kubectl = new Kubectl(kubeLocal().kubeconfig);
        const stack = new KubeStack(kubectl, "shrink");
        const five = await stack.apply("5 nodes", config(5));
        assert.equal(five.report.refused, undefined, five.report.refused);
        const four = await stack.apply("4 nodes", config(4));
        console.log(`\n    --- what the API server reported (namespace ${NS}) ---\n${describeSteps(stack.steps).replace(/^/gm, "    ")}`);
        assert.equal(four.report.refused, undefined, four.report.refused);
        const job = four.report.outcomes.find((o) => o.ref === "Job/crdb-decommission-5-to-4");
        const sts = four.report.outcomes.find((o) => o.ref === "StatefulSet/crdb");
        assert.ok(job && sts, four.report.outcomes.map((o) => `${o.outcome} ${o.ref}`).join("\n"));
        assert.equal(job.outcome, "created");
        assert.equal(sts.outcome, "configured");
        const served = kubectl.get(NS, "Job/crdb-decommission-5-to-4");
        const completed = Date.parse(served.status.completionTime);
        assert.ok(Number.isFinite(completed), `the Job has no completionTime: ${JSON.stringify(served.status)}`);
        // completionTime has whole seconds: the StatefulSet's apply must not precede that second.
        assert.ok(
            sts.appliedAt >= completed,
            `StatefulSet applied at ${new Date(sts.appliedAt).toISOString()}, Job completed at ${served.status.completionTime}`,
        );
        assert.equal(kubectl.get(NS, "StatefulSet/crdb").spec.replicas, 4);
        console.log(
            `    Job completed ${served.status.completionTime}; StatefulSet → 4 sent ${new Date(sts.appliedAt).toISOString()} (${((sts.appliedAt - completed) / 1000).toFixed(1)} s later)`,
        );
    });
});
