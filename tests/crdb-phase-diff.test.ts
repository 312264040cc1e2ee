import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { AllowRule, PROMETHEUS_TARGETS_ALLOWED, checkPhases, describeViolations } from "./support/phase-diff";
import { Graph, evaluate, ofType, renderedFiles, stackConfig, waitsFor } from "./support/evaluate";

/**
 * What may change between CockroachDB phases: the StatefulSet's replicas and Prometheus's
 * scrape targets. New SQL and backup Jobs and their ConfigMaps are additions, which the check
 * always permits.
 */
const CRDB_PHASE_ALLOWED: AllowRule[] = [
    { type: "kubernetes:apps/v1:StatefulSet", name: /^crdb$/, paths: [/^spec\.replicas$/], reason: "the node-count change" },
    ...PROMETHEUS_TARGETS_ALLOWED,
];

/** Kubernetes needs the sample app's image named (it has no published one). */
const APP = { image: "clusterlab/sample-app:0.1.0" };

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "phase-test-password" };

describe("CockroachDB evolution phase diff", () => {
    it("phase0 → phase1 → phase2 on one stack only adds resources or changes allowed fields", async () => {
        const reports = await checkPhases(
            "crdb-live",
            [0, 1, 2].map((n) => [`phase${n}`, stackConfig(`phase${n}`, RENDER)]),
            CRDB_PHASE_ALLOWED,
        );
        assert.equal(describeViolations(reports), "");
        const added = reports.flatMap((r) => r.added);
        assert.ok(added.includes("kubernetes:batch/v1:Job::backup-before-phase1"), added.join("\n"));
        assert.ok(added.includes("kubernetes:batch/v1:Job::backup-before-phase2"), added.join("\n"));
        assert.ok(
            added.some((k) => k.startsWith("kubernetes:batch/v1:Job::sql-20-phase2-rf3-crdb-")),
            added.join("\n"),
        );
    });

    it("on Docker too", async () => {
        const reports = await checkPhases(
            "crdb-docker",
            [0, 1, 2].map((n) => [`phase${n}`, stackConfig(`phase${n}`, { ...RENDER, platform: "docker" })]),
            CRDB_PHASE_ALLOWED,
        );
        assert.equal(describeViolations(reports), "");
    });

    it("keeps the Services, selectors, PVC template and pod template of every phase identical", async () => {
        // One at a time: the mocks are process-global.
        const graphs: Graph[] = [];
        for (const n of [0, 1, 2]) graphs.push(await evaluate(stackConfig(`phase${n}`, RENDER), "crdb-live"));
        const sts = graphs.map((g) => ofType(g, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs);
        assert.deepEqual(
            sts.map((s) => s.spec.replicas),
            [1, 2, 3],
        );
        for (const s of sts.slice(1)) {
            assert.deepEqual(s.spec.template, sts[0].spec.template);
            assert.deepEqual(s.spec.selector, sts[0].spec.selector);
            assert.deepEqual(s.spec.volumeClaimTemplates, sts[0].spec.volumeClaimTemplates);
            assert.equal(s.spec.serviceName, sts[0].spec.serviceName);
        }
        const join = sts[0].spec.template.spec.containers[0].args.find((a: string) => a.startsWith("--join="));
        assert.equal(join, "--join=" + [0, 1, 2].map((i) => `crdb-${i}.crdb-peer.clusterlab.svc.cluster.local:26257`).join(","));
        for (const name of ["crdb-writer", "crdb-reader"]) {
            const services = graphs.map((g) => ofType(g, "kubernetes:core/v1:Service").find((s) => s.name === name)!.inputs);
            for (const s of services) assert.deepEqual(s, services[0], `${name} changed`);
        }
    });

    it("the node-count change waits for the phase's backup, and the workload never changes", async () => {
        const deployedAtPhase1 = guardState(stackConfig("phase1", RENDER), guardState(stackConfig("phase0", RENDER)));
        const graph = await evaluate(stackConfig("phase2", RENDER), "crdb-live", deployedAtPhase1);
        assert.ok(waitsFor(graph, "kubernetes:apps/v1:StatefulSet::crdb", "kubernetes:batch/v1:Job::backup-before-phase2"));
        const backup = ofType(graph, "kubernetes:batch/v1:Job").find((j) => j.name === "backup-before-phase2")!;
        assert.match(backup.inputs.spec.template.spec.containers[0].args.join(" "), /--file=\/sql\/backup\.sql/);
        const workloads: any[] = [];
        for (const n of [0, 2]) {
            const g = await evaluate(stackConfig(`phase${n}`, RENDER), "crdb-live");
            workloads.push(ofType(g, "kubernetes:apps/v1:Deployment").find((d) => d.name === "crdb-workload")!.inputs);
        }
        assert.deepEqual(workloads[1], workloads[0]);
        assert.match(
            workloads[0].spec.template.spec.containers[0].args[0],
            /cockroach workload run kv .*--tolerate-errors --prometheus-port=2112 'postgresql:\/\/root@crdb-writer\.clusterlab\.svc\.cluster\.local:26257\?sslmode=verify-full&sslrootcert=\/cockroach\/cockroach-certs\/ca\.crt&sslcert=\/cockroach\/cockroach-certs\/client\.root\.crt&sslkey=\/cockroach\/cockroach-certs\/client\.root\.key'/,
        );
    });

    it("scrapes every node at /_status/vars and the workload's Prometheus port", async () => {
        const graph = await evaluate(stackConfig("phase2", RENDER), "crdb-live");
        const config = renderedFiles(graph, "prometheus")["/etc/prometheus/prometheus.yml"];
        const jobs = Object.fromEntries(parse(config).scrape_configs.map((j: any) => [j.job_name, j]));
        assert.equal(jobs.cockroachdb.metrics_path, "/_status/vars");
        assert.equal(jobs.cockroachdb.static_configs[0].targets.length, 3);
        assert.deepEqual(jobs["crdb-workload"].static_configs[0].targets, ["crdb-workload.clusterlab.svc.cluster.local:2112"]);
    });

    it("fails on a deliberately destructive config: a bigger disk rewrites the PVC template", async () => {
        const reports = await checkPhases(
            "crdb-live",
            [
                ["phase1", stackConfig("phase1", RENDER)],
                ["phase2-bigger-disk", stackConfig("phase2", { ...RENDER, crdb: { storageGiB: 50 }, allowReplace: true })],
            ],
            CRDB_PHASE_ALLOWED,
        );
        assert.match(
            describeViolations(reports),
            /changed kubernetes:apps\/v1:StatefulSet::crdb \(spec\.volumeClaimTemplates\[0\]\.spec\.resources\.requests\.storage\)/,
        );
    });

    it("config validation refuses a scale-in 3 → 2 and a StatefulSet-replacing change unless allowed", () => {
        const deployed = guardState(stackConfig("phase2"));
        const scaleIn = parseStackConfig({ lab: "crdb", platform: "kubernetes", app: APP, phase: 1, crdb: { nodes: 2 } });
        assert.match(checkTransition(deployed, scaleIn)[0], /^crdb\.nodes: 3 → 2 removes nodes holding data; set crdb\.allowScaleIn: true/);
        const bigger = parseStackConfig({ lab: "crdb", platform: "kubernetes", app: APP, phase: 2, crdb: { nodes: 3, storageGiB: 50 } });
        assert.match(checkTransition(deployed, bigger)[0], /^crdb\.storageGiB: 10 → 50 would replace stateful resources/);
        const moved = parseStackConfig({
            lab: "crdb",
            platform: "kubernetes",
            app: APP,
            phase: 2,
            crdb: { nodes: 3 },
            kubernetes: { namespace: "other" },
        });
        assert.match(checkTransition(deployed, moved)[0], /^kubernetes\.namespace: "clusterlab" → "other"/);
        const back = parseStackConfig({ lab: "crdb", platform: "kubernetes", app: APP, phase: 1, crdb: { nodes: 2, allowScaleIn: true } });
        assert.deepEqual(checkTransition(deployed, back), [
            "phase: 2 → 1 removes the later phases' SQL and backup records and leaves their replication factor; set allowReplace: true to allow it",
        ]);
        assert.deepEqual(checkTransition(deployed, { ...back, allowReplace: true }), []);
    });

    it("config validation refuses a phase whose replication factor exceeds the nodes", () => {
        assert.throws(
            () => parseStackConfig({ lab: "crdb", phase: 2, crdb: { nodes: 2 } }),
            /crdb\.nodes: phase 2 sets replication factor 3, which needs at least 3 nodes, got 2/,
        );
    });
});
