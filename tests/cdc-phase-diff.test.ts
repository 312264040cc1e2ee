import * as assert from "node:assert/strict";
import { AllowRule, PROMETHEUS_TARGETS_ALLOWED, TransitionReport, checkPhases, describeViolations } from "./support/phase-diff";
import { deepMerge, stackConfig } from "./support/evaluate";
import { CDC_ON_KUBERNETES } from "./support/cdc-stack";

/**
 * What may change between RawKV CDC cases on one live stack: Prometheus's scrape targets
 * (main-cluster stores added), the StatefulSet replicas of the main cluster's TiKV, and the
 * verdict exporter's arguments (it holds no data).
 */
const CDC_CASE_ALLOWED: AllowRule[] = [
    { type: "kubernetes:apps/v1:StatefulSet", name: /^main-tikv$/, paths: [/^spec\.replicas$/], reason: "main cluster 1 → 3 stores" },
    {
        type: "docker:index/container:Container",
        name: /^rawkv-verdict-0$/,
        paths: [/^command\[\d+\]$/],
        reason: "the stateless verdict exporter moves to the new run's keys",
    },
    {
        type: "kubernetes:apps/v1:Deployment",
        name: /^rawkv-verdict$/,
        paths: [/^spec\.template\.spec\.containers\[0\]\.args\[\d+\]$/, /annotations\.clusterlab\.dev\/config-hash$/],
        reason: "the stateless verdict exporter moves to the new run's keys",
    },
    ...PROMETHEUS_TARGETS_ALLOWED,
];

/**
 * The one-shot steps of the previous run: finished containers/Jobs that a new case replaces
 * with its own (their names carry the run id). Nothing else may disappear.
 */
const ONE_SHOT_STEP = /::(changefeed-(pause|resume)|rawkv-(put-v|put-v1|check)|disturb)-[a-z]+-[a-z]+-s[13]-[0-9a-f]{8}$/;

/** Every declared case switch, in the order the test plan runs them, on one stack. */
const SWITCHES: [string, Record<string, unknown>][] = [
    ["case 1", { cdc: { start: "before" } }],
    ["case 2 between", { cdc: { start: "between" } }],
    ["case 2 after", { cdc: { start: "after" } }],
    ["case 3 stores", { main: { tikv: { stores: 3 } } }],
    ["case 3.1 split", { main: { tikv: { stores: 3 } }, cdc: { disturb: "split" } }],
    ["case 3.2 merge", { main: { tikv: { stores: 3 } }, cdc: { disturb: "merge" } }],
    ["case 3.3 transfer-leader", { main: { tikv: { stores: 3 } }, cdc: { disturb: "transfer-leader" } }],
    ["benchmark, CDC on", { main: { tikv: { stores: 3 } }, load: { enabled: true } }],
];

const K8S = CDC_ON_KUBERNETES;

/** The violations that are not a previous run's one-shot steps being replaced. */
function beyondStepTurnover(reports: TransitionReport[]): TransitionReport[] {
    return reports.map((r) => ({
        ...r,
        violations: r.violations.filter((v) => !(v.kind === "deleted" && ONE_SHOT_STEP.test(v.resource))),
    }));
}

/** The recovery cluster's resources in a report's key list. */
const RECOVERY = /::recovery-(pd|tikv)/;

describe("RawKV CDC lab: case switches on a live stack", () => {
    for (const platform of ["docker", "kubernetes"] as const) {
        it(`every case switch only adds resources or replaces finished steps; the recovery cluster is untouched (${platform})`, async () => {
            const base = platform === "docker" ? {} : K8S;
            // Kubernetes: the switches that change shapes there (start mode, store count, a disturbance, the load).
            const switches =
                platform === "docker" ? SWITCHES : SWITCHES.filter(([n]) => /^case (1|2 after|3 stores|3\.1)|benchmark/.test(n));
            const phases = switches.map(([name, overrides]): [string, ReturnType<typeof stackConfig>] => [
                name,
                stackConfig("cdc", deepMerge(base, overrides)),
            ]);
            const reports = await checkPhases("cdc-live", phases, CDC_CASE_ALLOWED);
            assert.equal(describeViolations(beyondStepTurnover(reports)), "");
            const touched = reports.flatMap((r) => r.violations.map((v) => v.resource)).filter((k) => RECOVERY.test(k));
            assert.deepEqual(touched, [], "the recovery cluster changed");
            // Every switch runs the workload anew, and the new steps exist.
            for (const r of reports) {
                assert.ok(
                    r.added.some((k) => /rawkv-check-/.test(k)),
                    `${r.from} → ${r.to} added no check: ${r.added.join(", ")}`,
                );
            }
            const storesAdded = reports.find((r) => r.to === "case 3 stores")!.added;
            if (platform === "docker")
                assert.ok(storesAdded.includes("docker:index/container:Container::main-tikv-2"), storesAdded.join(", "));
        });
    }

    it("can fail: a version bump on a live stack rewrites the recovery cluster's members", async () => {
        const reports = await checkPhases(
            "cdc-live",
            [
                ["v8.5.1", stackConfig("cdc")],
                ["v8.5.2", stackConfig("cdc", { version: "v8.5.2" })],
            ],
            CDC_CASE_ALLOWED,
        );
        const text = describeViolations(beyondStepTurnover(reports));
        assert.match(text, /changed docker:index\/container:Container::recovery-tikv-0 \(image\)/);
        assert.match(text, /changed docker:index\/container:Container::recovery-pd-0 \(image\)/);
    });

    it("can fail: scaling the main cluster back to 1 store deletes a store's volume", async () => {
        const reports = await checkPhases(
            "cdc-live",
            [
                ["3 stores", stackConfig("cdc", { main: { tikv: { stores: 3 } } })],
                ["1 store", stackConfig("cdc", { main: { tikv: { stores: 1, allowScaleIn: true } } })],
            ],
            CDC_CASE_ALLOWED,
        );
        assert.match(describeViolations(beyondStepTurnover(reports)), /deleted docker:index\/volume:Volume::main-tikv-2-data/);
    });
});
