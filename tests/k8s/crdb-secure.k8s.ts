/**
 * CockroachDB secure mode on a real API server (kube-local): phase 0 → 1 → 2 with
 * `crdb.secure: true`, then a certificate rotation (`crdb.certValidityHours`), applied as the
 * provider would (tests/support/kube-apply.ts). The server's answers are the evidence: no
 * immutable-field refusal, the StatefulSet and PVCs keep their uids, the certificate Secrets
 * exist with CockroachDB's file names, the pods mount them with mode 0400, and a rotation
 * re-issues the certificates (the CA stays) and rolls the nodes. The real engine re-creates a
 * Secret whose data changes (pulumi-kubernetes `enableSecretMutable` off); kube-apply updates
 * it in place, so the Secrets are judged by contents, not uid.
 */
import * as assert from "node:assert/strict";
import { kubeLocal } from "./kube-local.hooks";
import { Kubectl } from "../support/kube-apply";
import { KubeStack, describeSteps } from "../support/kube-phases";
import { diffGraphs } from "../support/phase-diff";
import { stackConfig } from "../support/evaluate";

const NS = "crdb-secure";
const config = (phase: string, crdb: Record<string, unknown> = {}) =>
    stackConfig(phase, { kubernetes: { namespace: NS }, grafanaAdminPassword: "k8s-tier-password", crdb: { secure: true, ...crdb } });

describe("CockroachDB secure mode on a real API server (kube-local)", () => {
    let kubectl: Kubectl;
    let stack: KubeStack;
    const snapshots: Record<string, Record<string, string>> = {};
    /** Secret data (base64 by file name) and the node pod template's certificate annotation just before the rotation. */
    const secretsBeforeRotation: Record<string, Record<string, string>> = {};
    let annotationBeforeRotation: string | undefined;

    before(async () => {
        kubectl = new Kubectl(kubeLocal().kubeconfig);
        stack = new KubeStack(kubectl, "secure");
        for (const [label, cfg] of [
            ["phase0", config("phase0")],
            ["phase1", config("phase1")],
            ["phase2", config("phase2")],
            ["phase2, certificates re-issued (1 year)", config("phase2", { certValidityHours: 8_760 })],
        ] as const) {
            if (label.startsWith("phase2, certificates")) {
                for (const s of kubectl.list(NS, "secrets")) secretsBeforeRotation[s.metadata.name] = s.data;
                annotationBeforeRotation = kubectl.get(NS, "StatefulSet/crdb").spec.template.metadata.annotations[
                    "clusterlab.dev/secret-crdb-node-certs"
                ];
            }
            const step = await stack.apply(label, cfg);
            snapshots[label] = kubectl.statefulUids(NS);
            if (step.report.refused) break;
        }
        console.log(`\n    --- what the API server reported (namespace ${NS}) ---\n${describeSteps(stack.steps).replace(/^/gm, "    ")}`);
    });

    it("accepts phase 0 → 1 → 2 and the rotation with no refusal, updating StatefulSet/crdb in place", () => {
        assert.equal(stack.steps.length, 4, describeSteps(stack.steps));
        for (const step of stack.steps) assert.equal(step.report.refused, undefined, `${step.label}: ${step.report.refused}`);
        for (const step of stack.steps.slice(1)) {
            assert.equal(step.report.outcomes.find((o) => o.ref === "StatefulSet/crdb")?.outcome, "configured", step.label);
        }
    });

    it("keeps every StatefulSet's and PVC's uid through the phases and the rotation", () => {
        const first = snapshots.phase0;
        const last = Object.values(snapshots).at(-1)!;
        assert.ok(first["StatefulSet/crdb"] && first["PersistentVolumeClaim/data-crdb-0"], JSON.stringify(first));
        for (const [ref, uid] of Object.entries(first)) assert.equal(last[ref], uid, `${ref} was re-created`);
    });

    it("stores the certificate Secrets with CockroachDB's file names; the rotation gives them new certificates", () => {
        const expected: Record<string, string[]> = {
            "crdb-node-certs": ["ca.crt", "node.crt", "node.key"],
            ...Object.fromEntries(
                ["root", "writer", "reader"].map((u) => [`crdb-client-${u}`, ["ca.crt", `client.${u}.crt`, `client.${u}.key`]]),
            ),
        };
        for (const [name, files] of Object.entries(expected)) {
            const secret = kubectl.get(NS, `Secret/${name}`);
            assert.ok(secret, `Secret/${name} missing`);
            assert.deepEqual(Object.keys(secret.data).sort(), files, name);
            // kube-apply updates in place where the engine re-creates the Secret (enableSecretMutable off): judge the contents.
            const [, certFile] = files;
            assert.notEqual(secret.data[certFile], secretsBeforeRotation[name]?.[certFile], `${name}: ${certFile} not re-issued`);
            assert.equal(secret.data["ca.crt"], secretsBeforeRotation[name]?.["ca.crt"], `${name}: the CA changed`);
        }
    });

    it("the server holds the pod template with the node certs mounted read-only at 0400, and the rotation rolled it", () => {
        const sts = kubectl.get(NS, "StatefulSet/crdb");
        const volume = sts.spec.template.spec.volumes.find((v: any) => v.secret?.secretName === "crdb-node-certs");
        assert.equal(volume.secret.defaultMode, 0o400);
        const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
        assert.deepEqual({ path: mount.mountPath, readOnly: mount.readOnly }, { path: "/cockroach/cockroach-certs", readOnly: true });
        assert.ok(sts.spec.template.spec.containers[0].args.includes("--certs-dir=/cockroach/cockroach-certs"));
        const annotation = sts.spec.template.metadata.annotations["clusterlab.dev/secret-crdb-node-certs"];
        assert.match(annotation, /^[0-9a-f]{16}$/);
        assert.notEqual(annotation, annotationBeforeRotation, "the rotation did not change the pod template");
        assert.equal(sts.status.readyReplicas, 3);
        assert.equal(sts.status.updateRevision, sts.status.currentRevision, "the rollout onto the new certificates did not finish");
    });

    it("the phase-diff check shows no change to the CA or certificates across phases, only leaf certificates in the rotation", () => {
        const tls = (v: { resource: string }) => v.resource.startsWith("tls:");
        for (const step of stack.steps.slice(1, 3)) {
            const before = stack.steps[stack.steps.indexOf(step) - 1].graph;
            assert.deepEqual(diffGraphs(before, step.graph, []).filter(tls), [], step.label);
        }
        const rotated = diffGraphs(stack.steps[2].graph, stack.steps[3].graph, []).filter(tls);
        assert.deepEqual(
            rotated.map((v) => v.resource).sort(),
            ["crdb-client-reader", "crdb-client-root", "crdb-client-writer", "crdb-node"].map(
                (n) => `tls:index/locallySignedCert:LocallySignedCert::${n}`,
            ),
        );
    });
});
