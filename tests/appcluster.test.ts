/**
 * The app cluster lab under mocks: fixed ports per node, node 1 bootstraps and the rest join,
 * scale-out only adds, the fault drill changes no volume, scale-in is refused, both platforms.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { AppClusterLabConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { Graph, evaluate, ofType, renderedFiles, stackConfig } from "./support/evaluate";
import { changedPaths } from "./support/phase-diff";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

function app(overrides: Record<string, unknown> = {}): AppClusterLabConfig {
    return stackConfig("appcluster", overrides) as AppClusterLabConfig;
}

function nodeContainer(graph: Graph, id: number) {
    const c = ofType(graph, CONTAINER).find((r) => r.name === `app-${id}-0`);
    assert.ok(c, `no container for node ${id}`);
    return c;
}

function envOf(inputs: Record<string, any>): Record<string, string> {
    return Object.fromEntries((inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

describe("app cluster lab (Pulumi.appcluster.yaml)", () => {
    let graph: Graph;
    before(async () => {
        graph = await evaluate(app(), "appcluster");
    });

    it("publishes API 8080+i, KV 9080+i and raft 9001+i for node i, on 127.0.0.1", () => {
        for (const id of [1, 2, 3]) {
            const ports = nodeContainer(graph, id).inputs.ports;
            assert.deepEqual(ports, [
                { internal: 8080, external: 8080 + id, ip: "127.0.0.1" },
                { internal: 9080, external: 9080 + id, ip: "127.0.0.1" },
                { internal: 9001, external: 9001 + id, ip: "127.0.0.1" },
            ]);
        }
        assert.deepEqual(graph.outputs.apiUrls, ["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"]);
        assert.deepEqual(graph.outputs.kvUrls, ["http://127.0.0.1:9081", "http://127.0.0.1:9082", "http://127.0.0.1:9083"]);
    });

    it("bootstraps node 1 (empty JOIN_ADDR) and joins nodes 2..N through node 1's API", () => {
        const env = [1, 2, 3].map((id) => envOf(nodeContainer(graph, id).inputs));
        assert.equal(env[0].JOIN_ADDR, "");
        assert.equal(env[1].JOIN_ADDR, "app-1-0:8080");
        assert.equal(env[2].JOIN_ADDR, "app-1-0:8080");
        assert.deepEqual(
            env.map((e) => [e.NODE_ID, e.NODE_NAME, e.HTTP_ADDR, e.RAFT_ADDR, e.DATA_DIR]),
            [
                ["1", "app-1", "app-1-0:8080", "app-1-0:9001", "/data"],
                ["2", "app-2", "app-2-0:8080", "app-2-0:9001", "/data"],
                ["3", "app-3", "app-3-0:8080", "app-3-0:9001", "/data"],
            ],
        );
        assert.equal(graph.outputs.joinAddress, "app-1-0:8080");
    });

    it("gives each node a data volume kept on delete, and a /health probe on the API port", () => {
        assert.deepEqual(
            ofType(graph, VOLUME)
                .map((v) => v.inputs.name)
                .filter((n) => n.includes("-app-"))
                .sort(),
            ["clusterlab-appcluster-app-1-0-data", "clusterlab-appcluster-app-2-0-data", "clusterlab-appcluster-app-3-0-data"],
        );
        assert.match(nodeContainer(graph, 2).inputs.healthcheck.tests[1], /127\.0\.0\.1:8080\/health/);
    });

    it("scrapes every node's metrics path and provisions the app dashboard", () => {
        const prom = parse(renderedFiles(graph, "prometheus")["/etc/prometheus/prometheus.yml"]);
        const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === "app");
        assert.equal(job.metrics_path, "/metrics");
        assert.deepEqual(job.static_configs[0].targets, ["app-1-0:8080", "app-2-0:8080", "app-3-0:8080"]);
        assert.ok(renderedFiles(graph, "grafana")["/etc/grafana/dashboards/app-cluster.json"]);
    });

    it("renames the env contract from config", async () => {
        const renamed = await evaluate(app({ app: { env: { joinAddr: "PEER_ADDR", nodeId: "ID" } } }), "appcluster");
        const env = envOf(nodeContainer(renamed, 2).inputs);
        assert.equal(env.PEER_ADDR, "app-1-0:8080");
        assert.equal(env.ID, "2");
        assert.equal(env.JOIN_ADDR, undefined);
    });

    it("scale-out 3 → 4 adds node 4 only (joining node 1) and changes no existing node", async () => {
        const four = await evaluate(app({ app: { nodes: 4 } }), "appcluster");
        for (const [key, r] of graph.resources) {
            const after = four.resources.get(key);
            assert.ok(after, `${key} disappeared`);
            const changed = changedPaths(r.inputs, after.inputs);
            if (r.name === "prometheus-0") assert.deepEqual(changed, ["uploads[0].content"], "only new scrape targets");
            else assert.deepEqual(changed, [], key);
        }
        const added = [...four.resources.keys()].filter((k) => !graph.resources.has(k));
        assert.deepEqual(added.sort(), [`${CONTAINER}::app-4-0`, `${VOLUME}::app-4-0-data`]);
        assert.equal(envOf(nodeContainer(four, 4).inputs).JOIN_ADDR, "app-1-0:8080");
    });

    it("stopped: [2] stops node 2's container and changes no volume", async () => {
        const drill = await evaluate(app({ app: { stopped: [2] } }), "appcluster");
        assert.deepEqual(
            ofType(drill, VOLUME).map((v) => v.inputs),
            ofType(graph, VOLUME).map((v) => v.inputs),
        );
        assert.deepEqual(changedPaths(nodeContainer(graph, 2).inputs, nodeContainer(drill, 2).inputs).sort(), ["mustRun", "start"]);
        assert.equal(nodeContainer(drill, 2).inputs.start, false);
        assert.deepEqual(changedPaths(nodeContainer(graph, 1).inputs, nodeContainer(drill, 1).inputs), []);
        assert.deepEqual(changedPaths(nodeContainer(graph, 3).inputs, nodeContainer(drill, 3).inputs), []);
        assert.deepEqual(drill.outputs.stoppedNodes, [2]);
    });

    it("refuses stopping a node that does not exist", () => {
        assert.throws(() => app({ app: { stopped: [4] } }), /app\.stopped: expected node ordinals within 1\.\.nodes/);
    });

    it("refuses scale-in unless app.allowScaleIn", () => {
        const deployed = guardState(app());
        assert.deepEqual(checkTransition(deployed, app({ app: { nodes: 2 } })), [
            "app.nodes: 3 → 2 removes nodes holding data; set app.allowScaleIn: true to allow it",
        ]);
        assert.deepEqual(checkTransition(deployed, app({ app: { nodes: 2, allowScaleIn: true } })), []);
        assert.deepEqual(checkTransition(deployed, app({ app: { nodes: 4 } })), []);
    });

    it("runs on Kubernetes through the same component: one StatefulSet per node with its own env", async () => {
        const k8s = await evaluate(app({ platform: "kubernetes" }), "appcluster");
        const sets = ofType(k8s, "kubernetes:apps/v1:StatefulSet").filter((s) => /^app-\d$/.test(s.name));
        assert.deepEqual(sets.map((s) => s.name).sort(), ["app-1", "app-2", "app-3"]);
        const envOfSet = (name: string) =>
            Object.fromEntries(
                sets
                    .find((s) => s.name === name)!
                    .inputs.spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value !== undefined)
                    .map((e: { name: string; value: string }) => [e.name, e.value]),
            );
        assert.equal(envOfSet("app-1").JOIN_ADDR, "");
        assert.match(envOfSet("app-3").JOIN_ADDR, /^app-1-0\..*:8080$/);
    });

    it("stopped: [2] on Kubernetes scales node 2's StatefulSet to 0 and keeps its claim template and the other nodes", async () => {
        const sets = async (overrides: Record<string, unknown>) =>
            ofType(await evaluate(app({ platform: "kubernetes", ...overrides }), "appcluster"), "kubernetes:apps/v1:StatefulSet").filter(
                (s) => /^app-\d$/.test(s.name),
            );
        const running = await sets({});
        const drill = await sets({ app: { stopped: [2] } });
        const replicas = Object.fromEntries(drill.map((s) => [s.name, s.inputs.spec.replicas]));
        assert.deepEqual(replicas, { "app-1": 1, "app-2": 0, "app-3": 1 });
        for (const set of drill) {
            const before = running.find((s) => s.name === set.name)!;
            assert.deepEqual(set.inputs.spec.volumeClaimTemplates, before.inputs.spec.volumeClaimTemplates, `${set.name} claim template`);
        }
    });
});
