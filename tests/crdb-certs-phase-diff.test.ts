/**
 * Secure mode through the phase-diff check (under mocks): the CA and every certificate survive
 * phase 0 → 1 → 2 and a scale-out untouched, and a new validity re-issues only the leaf
 * certificates, updating their Secrets in place and rolling the pods by annotation, with the
 * StatefulSet's selector, service name and PVC template unchanged.
 */
import * as assert from "node:assert/strict";
import { AllowRule, PROMETHEUS_TARGETS_ALLOWED, checkPhases, describeViolations, diffGraphs } from "./support/phase-diff";
import { Graph, evaluate, ofType, stackConfig } from "./support/evaluate";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "phase-test-password" };

/** What a phase or a node-count change may change: replicas and Prometheus's targets (as tests/crdb-phase-diff.test.ts). */
const PHASE_ALLOWED: AllowRule[] = [
    { type: "kubernetes:apps/v1:StatefulSet", name: /^crdb$/, paths: [/^spec\.replicas$/], reason: "the node-count change" },
    ...PROMETHEUS_TARGETS_ALLOWED,
];

/** What a certificate rotation may change: leaf certificates, their Secrets, and the annotations that roll pods onto them. */
const ROTATION_ALLOWED: AllowRule[] = [
    {
        type: "tls:index/locallySignedCert:LocallySignedCert",
        name: /^crdb-(node|client-.+)$/,
        paths: [/^validityPeriodHours$/],
        reason: "the new validity (re-issues the certificate)",
    },
    {
        type: "kubernetes:core/v1:Secret",
        name: /^crdb-(node-certs|client-.+)$/,
        paths: [/^stringData/],
        reason: "the re-issued certificate (the provider re-creates the Secret under its name; nothing stateful)",
    },
    {
        type: "kubernetes:apps/v1:StatefulSet",
        name: /^crdb$/,
        paths: [/^spec\.template\.metadata\.annotations\.clusterlab\.dev\/secret-crdb-node-certs$/],
        reason: "a rolling restart onto the new node certificate",
    },
    {
        type: "kubernetes:apps/v1:Deployment",
        name: /^(crdb-workload|sample-app)$/,
        paths: [/^spec\.template\.metadata\.annotations\.clusterlab\.dev\/secret-crdb-client-(root|writer|reader)$/],
        reason: "the workload and the sample app restart onto their new client certificates",
    },
];

const tlsKeys = (g: Graph) => [...g.resources.keys()].filter((k) => k.startsWith("tls:"));

describe("CockroachDB secure mode phase diff", () => {
    it("phase0 → phase1 → phase2 keeps the CA and every certificate, key and certs Secret unchanged", async () => {
        const reports = await checkPhases(
            "crdb-secure",
            [0, 1, 2].map((n) => [`phase${n}`, stackConfig(`phase${n}`, RENDER)]),
            PHASE_ALLOWED,
        );
        assert.equal(describeViolations(reports), "");
        // Nothing tls is added later either: every certificate exists from phase 0.
        assert.deepEqual(
            reports.flatMap((r) => r.added).filter((k) => k.startsWith("tls:") || k.startsWith("kubernetes:core/v1:Secret::crdb-")),
            [],
        );
    });

    it("a scale-out 3 → 5 nodes only changes replicas and scrape targets: no certificate is re-issued", async () => {
        const reports = await checkPhases(
            "crdb-secure",
            [
                ["3 nodes", stackConfig("phase2", RENDER)],
                ["5 nodes", stackConfig("phase2", { ...RENDER, crdb: { nodes: 5 } })],
            ],
            PHASE_ALLOWED,
        );
        assert.equal(describeViolations(reports), "");
    });

    it("a new validity re-issues the node and client certificates only: CA, keys, requests, PVC template and selector stay", async () => {
        const before = await evaluate(stackConfig("phase2", RENDER), "crdb-secure");
        const after = await evaluate(stackConfig("phase2", { ...RENDER, crdb: { certValidityHours: 8_760 } }), "crdb-secure");
        assert.deepEqual(diffGraphs(before, after, ROTATION_ALLOWED), []);
        assert.deepEqual(tlsKeys(after), tlsKeys(before));
        // Which tls resources did change (a tls input change is a replacement): exactly the four leaf certificates.
        const changed = tlsKeys(before).filter(
            (k) => JSON.stringify(before.resources.get(k)!.inputs) !== JSON.stringify(after.resources.get(k)!.inputs),
        );
        assert.deepEqual(changed.sort(), [
            "tls:index/locallySignedCert:LocallySignedCert::crdb-client-reader",
            "tls:index/locallySignedCert:LocallySignedCert::crdb-client-root",
            "tls:index/locallySignedCert:LocallySignedCert::crdb-client-writer",
            "tls:index/locallySignedCert:LocallySignedCert::crdb-node",
        ]);
        // The pods roll: the node certs annotation carries a new version.
        const annotation = (g: Graph) =>
            ofType(g, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template.metadata.annotations[
                "clusterlab.dev/secret-crdb-node-certs"
            ];
        assert.match(annotation(before), /^[0-9a-f]{16}$/);
        assert.notEqual(annotation(after), annotation(before));
    });

    it("fails on a deliberate CA change: the check sees the protected CA replaced", async () => {
        // Forge a CA change by hand: a graph whose CA inputs differ, as a new CA validity would make them.
        const before = await evaluate(stackConfig("phase2", RENDER), "crdb-secure");
        const after: Graph = { ...before, resources: new Map(before.resources) };
        const key = "tls:index/selfSignedCert:SelfSignedCert::crdb-ca";
        const ca = before.resources.get(key)!;
        after.resources.set(key, { ...ca, inputs: { ...ca.inputs, validityPeriodHours: 1 } });
        const violations = diffGraphs(before, after, [...PHASE_ALLOWED, ...ROTATION_ALLOWED]);
        assert.deepEqual(violations, [{ resource: key, kind: "changed", paths: ["validityPeriodHours"] }]);
    });
});
