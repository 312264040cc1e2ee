/**
 * T1: the etcd lab's rendered flags and Prometheus config, run for real on this machine
 * (Debian etcd-server, etcd-client, prometheus), on 127.0.0.1 only.
 */
import * as assert from "node:assert/strict";
import { Graph, evaluate, ofType, renderedFiles, stackConfig } from "./support/evaluate";
import { MemberPorts, loopbackPorts, promQuery, startMembers, startPrometheus } from "./support/etcd-loopback";
import { ProcessGroup, freePort, waitFor } from "./support/processes";
import { requireTool, run, tempDir } from "./support/tools";
import { ETCD_CLIENT_PORT, ETCD_METRICS_PORT } from "../labs/etcd/etcd-cluster";

const MEMBERS = 3;

describe("etcd lab on real binaries", function () {
    this.timeout(120_000);
    const processes = new ProcessGroup();
    // Made in before(), so a suite filtered out by --grep leaves nothing behind.
    let dir: { path: string; remove: () => void };
    let graph: Graph;
    let ports: MemberPorts[];
    let prometheusPort: number;
    let etcdctl: string;
    const endpoint = (i: number) => `http://127.0.0.1:${ports[i][ETCD_CLIENT_PORT]}`;

    before(async () => {
        dir = tempDir("etcd-real");
        const etcd = requireTool("etcd");
        etcdctl = requireTool("etcdctl");
        graph = await evaluate(stackConfig("etcd"), "etcd");
        ports = await loopbackPorts(MEMBERS);
        prometheusPort = await freePort();
        startMembers(graph, processes, etcd, ports, dir.path);
    });

    after(async () => {
        await processes.stopAll();
        dir?.remove();
    });

    it("renders the flags the lab depends on", () => {
        const flags: string[] = ofType(graph, "docker:index/container:Container").find((c) => c.name === "etcd-1")!.inputs.command;
        assert.ok(flags.includes("--metrics=extensive"));
        assert.ok(flags.includes("--initial-cluster-state=new"));
        assert.ok(flags.includes("--initial-cluster=etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380"));
        assert.ok(flags.includes("--advertise-client-urls=http://etcd-1:2379"));
    });

    it("all three members report healthy through etcdctl", async () => {
        for (let i = 0; i < MEMBERS; i++) {
            await waitFor(`etcd-${i} healthy`, async () => {
                assert.deepEqual(processes.exited(), [], `exited early; see ${dir.path}`);
                const r = run(etcdctl, [`--endpoints=${endpoint(i)}`, "--command-timeout=2s", "endpoint", "health"], 5_000);
                return r.status === 0 ? true : undefined;
            });
        }
        const r = run(etcdctl, [`--endpoints=${[0, 1, 2].map(endpoint).join(",")}`, "member", "list"], 5_000);
        assert.equal(r.stdout.trim().split("\n").length, MEMBERS, r.stdout + r.stderr);
    });

    it("a key written through one member reads back from another", () => {
        const value = `written-${Date.now()}`;
        const put = run(etcdctl, [`--endpoints=${endpoint(0)}`, "put", "clusterlab/probe", value], 10_000);
        assert.equal(put.status, 0, put.stderr);
        const get = run(etcdctl, [`--endpoints=${endpoint(2)}`, "get", "clusterlab/probe", "--print-value-only"], 10_000);
        assert.equal(get.status, 0, get.stderr);
        assert.equal(get.stdout.trim(), value);
    });

    let prometheusReady = false;

    it("Prometheus with the rendered config scrapes all three members: up == 1 and a leader", async () => {
        const prometheus = requireTool("prometheus");
        await startPrometheus(graph, processes, prometheus, ports, prometheusPort, dir.path);
        const up = await waitFor("three etcd targets up", async () => {
            const result = await promQuery(prometheusPort, 'up{job="etcd"}');
            return result.length === MEMBERS && result.every((r) => r.value[1] === "1") ? result : undefined;
        });
        assert.deepEqual(up.map((r) => r.metric.instance).sort(), ports.map((p) => `127.0.0.1:${p[ETCD_METRICS_PORT]}`).sort());
        const leader = await waitFor("etcd_server_has_leader on every member", async () => {
            const result = await promQuery(prometheusPort, "etcd_server_has_leader");
            return result.length === MEMBERS ? result : undefined;
        });
        for (const r of leader) assert.equal(r.value[1], "1", `${r.metric.instance} has no leader`);
        // --metrics=extensive is what makes this histogram exist.
        const extensive = await waitFor("grpc_server_handling_seconds (extensive metrics)", async () => {
            const result = await promQuery(prometheusPort, "grpc_server_handling_seconds_count");
            return result.length > 0 ? result : undefined;
        });
        assert.ok(extensive.length > 0);
        prometheusReady = true;
    });

    it("every etcd dashboard query runs on the real Prometheus, and the member-level ones return all three members", async () => {
        assert.ok(prometheusReady, "Prometheus did not come up in the previous test");
        // Grafana's variables, as a viewer with "All" selected would send them.
        const asSent = (expr: string) => expr.replace(/\$__rate_interval/g, "1m").replace(/\$instance/g, ".*");
        const queries = Object.entries(renderedFiles(graph, "grafana"))
            .filter(([path]) => /\/etcd-[a-z]+\.json$/.test(path))
            .flatMap(([, content]) =>
                (JSON.parse(content).panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => asSent(t.expr))),
            );
        assert.ok(queries.length >= 15, `only ${queries.length} etcd dashboard queries provisioned`);
        for (const query of queries) await promQuery(prometheusPort, query); // throws unless status is success
        for (const query of [
            'etcd_server_is_leader{instance=~".*"}',
            'max by (instance) (etcd_mvcc_db_total_size_in_bytes{instance=~".*"})',
        ]) {
            assert.ok(queries.includes(query), `${query} is not on a dashboard`);
            assert.equal((await promQuery(prometheusPort, query)).length, MEMBERS, query);
        }
    });
});
