/**
 * T1: the etcd lab's rendered flags and Prometheus config, run for real on this machine
 * (Debian etcd-server, etcd-client, prometheus), on 127.0.0.1 only.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ETCD_CLIENT_PORT, ETCD_METRICS_PORT, ETCD_PEER_PORT } from "../components/etcd-cluster";
import { Graph, evaluate, ofType, renderedFiles, stackConfig } from "./support/evaluate";
import { ProcessGroup, freePorts, waitFor } from "./support/processes";
import { requireTool, run, tempDir } from "./support/tools";

const MEMBERS = 3;

/** Loopback ports standing in for each member's container ports. */
interface MemberPorts {
    client: number;
    peer: number;
    metrics: number;
}

/**
 * The only rewrite applied to rendered flags: container host names and ports → 127.0.0.1
 * and free ports; listen addresses 0.0.0.0 → 127.0.0.1; the data dir → a temp dir.
 *   etcd-J:2379 → 127.0.0.1:<client J>     0.0.0.0:2379 → 127.0.0.1:<client self>
 *   etcd-J:2380 → 127.0.0.1:<peer J>       0.0.0.0:2380 → 127.0.0.1:<peer self>
 *   etcd-J:2381 → 127.0.0.1:<metrics J>    0.0.0.0:2381 → 127.0.0.1:<metrics self>
 *   --data-dir=/var/lib/etcd → --data-dir=<tmp>/etcd-<self>
 */
function substitute(flag: string, self: number, ports: MemberPorts[], dataDir: string): string {
    const byContainerPort = (p: MemberPorts): Record<number, number> => ({
        [ETCD_CLIENT_PORT]: p.client,
        [ETCD_PEER_PORT]: p.peer,
        [ETCD_METRICS_PORT]: p.metrics,
    });
    return flag
        .replace(/etcd-(\d+):(\d+)/g, (_, j, port) => `127.0.0.1:${byContainerPort(ports[Number(j)])[Number(port)]}`)
        .replace(/0\.0\.0\.0:(\d+)/g, (_, port) => `127.0.0.1:${byContainerPort(ports[self])[Number(port)]}`)
        .replace(/^--data-dir=\/var\/lib\/etcd$/, `--data-dir=${dataDir}`);
}

async function promQuery(port: number, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}`, {
        signal: AbortSignal.timeout(3_000),
    });
    const body = (await res.json()) as { status: string; data: { result: any[] } };
    assert.equal(body.status, "success");
    return body.data.result;
}

describe("etcd lab on real binaries", function () {
    this.timeout(120_000);
    const processes = new ProcessGroup();
    // Made in before(), so a suite filtered out by --grep leaves nothing behind.
    let dir: { path: string; remove: () => void };
    let graph: Graph;
    let ports: MemberPorts[];
    let prometheusPort: number;
    let etcdctl: string;
    const endpoint = (i: number) => `http://127.0.0.1:${ports[i].client}`;

    before(async () => {
        dir = tempDir("etcd-real");
        const etcd = requireTool("etcd");
        etcdctl = requireTool("etcdctl");
        graph = await evaluate(stackConfig("etcd"), "etcd");
        const all = await freePorts(MEMBERS * 3 + 1);
        ports = Array.from({ length: MEMBERS }, (_, i) => ({ client: all[3 * i], peer: all[3 * i + 1], metrics: all[3 * i + 2] }));
        prometheusPort = all[MEMBERS * 3];
        for (let i = 0; i < MEMBERS; i++) {
            const container = ofType(graph, "docker:index/container:Container").find((c) => c.name === `etcd-${i}`);
            assert.ok(container, `etcd-${i} not rendered`);
            const flags = (container.inputs.command as string[]).map((f) => substitute(f, i, ports, join(dir.path, `etcd-${i}`)));
            assert.ok(!flags.some((f) => /etcd-\d+:|0\.0\.0\.0/.test(f)), `unsubstituted flag in ${flags.join(" ")}`);
            processes.start(`etcd-${i}`, etcd, flags, join(dir.path, `etcd-${i}.log`));
        }
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
        const files = renderedFiles(graph, "prometheus");
        const config = parse(files["/etc/prometheus/prometheus.yml"]);
        // Same rewrite as the flags: etcd-J:2381 → 127.0.0.1:<metrics J>; a 1 s interval so the test is quick.
        config.global.scrape_interval = "1s";
        for (const job of config.scrape_configs) {
            for (const sc of job.static_configs) sc.targets = sc.targets.map((t: string) => substitute(t, 0, ports, ""));
        }
        config.rule_files = (config.rule_files ?? []).map((p: string) => {
            const local = join(dir.path, "rules", p.replace(/\//g, "_"));
            mkdirSync(join(dir.path, "rules"), { recursive: true });
            writeFileSync(local, files[p]);
            return local;
        });
        const configFile = join(dir.path, "prometheus.yml");
        writeFileSync(configFile, stringify(config));
        processes.start(
            "prometheus",
            prometheus,
            [
                `--config.file=${configFile}`,
                `--storage.tsdb.path=${join(dir.path, "tsdb")}`,
                `--web.listen-address=127.0.0.1:${prometheusPort}`,
            ],
            join(dir.path, "prometheus.log"),
        );
        await waitFor("Prometheus ready", async () => {
            const res = await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`, { signal: AbortSignal.timeout(2_000) });
            return res.ok ? true : undefined;
        });
        const up = await waitFor("three etcd targets up", async () => {
            const result = await promQuery(prometheusPort, 'up{job="etcd"}');
            return result.length === MEMBERS && result.every((r) => r.value[1] === "1") ? result : undefined;
        }).catch((err) => assert.fail(`${err}\n${readFileSync(join(dir.path, "prometheus.log"), "utf8").slice(-2000)}`));
        assert.deepEqual(up.map((r) => r.metric.instance).sort(), ports.map((p) => `127.0.0.1:${p.metrics}`).sort());
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
