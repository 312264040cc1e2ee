/**
 * T3, the etcd lab's network scenarios on a real Docker engine (`npm run test:docker`): one
 * stack with the peer proxies, the failpoint build, the benchmark and the linearizability
 * checker, switched in place baseline → network-delay → partition → member-kill → baseline the
 * way `pulumi up` would: containers whose inputs changed are removed and created again (the
 * graph diff says which), nothing else is touched. Judged by etcdctl, Prometheus's API and the
 * steps' exit codes (the checker's step exits 0 only on a linearizable history).
 * Images: tests/support/docker-images.ts (Debian base + the gofail build + this repo's Go tools).
 */
import * as assert from "node:assert/strict";
import { EtcdLabConfig } from "../components/config";
import { Engine, connectEngine, containerLogs } from "./support/docker-engine";
import { EtcdLabImages, EtcdNetworkImages, etcdLabImages, etcdNetworkImages } from "./support/docker-images";
import { ContainerResult, applyGraph, containerChanges, removeContainer, removeStack } from "./support/docker-apply";
import { LabPorts, etcdDockerConfig, etcdctl, hostEndpoints, labPorts, promQuery } from "./support/docker-etcd-lab";
import { buildGoTool } from "./support/etcd-peer-network";
import { Graph, evaluate } from "./support/evaluate";
import { waitFor } from "./support/processes";
import { requireTool } from "./support/tools";

const DELAY_MS = 1000;

describe("etcd lab network scenarios on a real Docker engine (switched in place)", function () {
    this.timeout(20 * 60_000);
    let engine: Engine;
    let images: EtcdLabImages;
    let net: EtcdNetworkImages;
    let etcdctlTool: string;
    let ports: LabPorts;
    let graph: Graph;
    const stack = `dt20-${process.pid}-net`;
    const rows: string[] = [];

    const config = (scenario: string): EtcdLabConfig =>
        etcdDockerConfig(images, ports, true, {
            scenario,
            etcd: { peerProxies: true, peerProxyImage: net.peerProxy, peerDelayMs: DELAY_MS, faultMember: 0 },
            linearizability: { enabled: true, image: net.checker, seconds: 15 },
            load: { enabled: true, total: 200_000, rate: 200 },
        });

    /** Applies `scenario` as `pulumi up` would: re-creates containers whose inputs changed or that are new. */
    async function switchTo(scenario: string): Promise<{ results: Map<string, ContainerResult>; replaced: string[] }> {
        const next = await evaluate(config(scenario), stack);
        const { create, replace: replaced, remove } = containerChanges(graph, next);
        // Deleted ones (the previous scenario's steps and benchmark) go first; replaced ones in
        // dependency order, right before their new container, as in `pulumi up`.
        for (const r of remove) await removeContainer(engine.docker, graph, r.name);
        const names = new Set([...create, ...replaced]);
        const results = await applyGraph(engine.docker, next, { only: (r) => names.has(r.name), replace: new Set(replaced) });
        graph = next;
        return { results, replaced };
    }

    const stepExit = (results: Map<string, ContainerResult>, prefix: string) => {
        const step = [...results.values()].find((r) => r.resource.startsWith(prefix));
        assert.ok(step, `no ${prefix}* step ran: ${[...results.keys()].join(", ")}`);
        return step.exitCode;
    };

    before(async function () {
        this.timeout(30 * 60_000);
        etcdctlTool = requireTool("etcdctl");
        engine = await connectEngine();
        images = await etcdLabImages(engine.docker);
        net = await etcdNetworkImages(engine.docker, {
            peerProxy: buildGoTool("etcd-peer-proxy"),
            checker: buildGoTool("etcd-linearizability"),
        });
        ports = await labPorts();
    });

    after(async function () {
        this.timeout(5 * 60_000);
        if (rows.length) console.log(`\n| scenario | measured | linearizable step | pass |\n|---|---|---|---|\n${rows.join("\n")}\n`);
        if (!engine) return;
        await removeStack(engine.docker, stack);
        await engine.stop();
    });

    it("baseline: members advertise their proxies; the checker's step passes and its verdict is scraped", async () => {
        const { results } = await switchTo("baseline");
        const members = JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports), ["member", "list", "-w", "json"])).members as {
            name: string;
            peerURLs: string[];
        }[];
        assert.deepEqual(
            members.map((m) => `${m.name} ${m.peerURLs.join(",")}`).sort(),
            [0, 1, 2].map((i) => `etcd-${i} http://etcd-peer-proxy-${i}:2380`),
        );
        assert.equal(stepExit(results, "linearizability-baseline-"), 0);
        const verdict = await waitFor(
            "clusterlab_etcd_linearizable scraped",
            async () =>
                (
                    await promQuery(
                        ports.prometheus,
                        "clusterlab_etcd_linearizable and on() clusterlab_etcd_linearizability_check_done == 1",
                    )
                )[0],
            120_000,
            2_000,
        );
        rows.push(
            `| baseline | peer URLs = proxies; exporter verdict ${verdict.value[1]} | exit 0 | ${verdict.value[1] === "1" ? "yes" : "NO"} |`,
        );
        assert.equal(verdict.value[1], "1");
    });

    it(`network-delay: only the proxies are re-created; peer RTT p99 ≥ ${(0.8 * DELAY_MS) / 1000} s`, async () => {
        const { results, replaced } = await switchTo("network-delay");
        assert.ok(!replaced.some((n) => /^etcd-\d$/.test(n)), `a member was re-created: ${replaced.join(", ")}`);
        assert.ok(replaced.filter((n) => n.startsWith("etcd-peer-proxy-")).length === 3, replaced.join(", "));
        const linearizable = stepExit(results, "linearizability-network-delay-");
        const rtt = await waitFor(
            "peer RTT p99 ≥ 80 % of the delay",
            async () => {
                const v = Number(
                    (
                        await promQuery(
                            ports.prometheus,
                            "max(histogram_quantile(0.99, rate(etcd_network_peer_round_trip_time_seconds_bucket[2m])))",
                        )
                    )[0]?.value[1],
                );
                return v >= (0.8 * DELAY_MS) / 1000 ? v : undefined;
            },
            180_000,
            5_000,
        );
        rows.push(
            `| network-delay | peer RTT p99 ${(rtt * 1000).toFixed(0)} ms; re-created: ${replaced.join(" ")} | exit ${linearizable} | ${linearizable === 0 ? "yes" : "NO"} |`,
        );
        assert.equal(linearizable, 0);
    });

    it("partition: etcd-0 isolated — the others keep a leader, etcd-0 has none, its proposals fail", async () => {
        const { results, replaced } = await switchTo("partition");
        assert.ok(!replaced.some((n) => /^etcd-\d$/.test(n)), `a member was re-created: ${replaced.join(", ")}`);
        const seen = await waitFor(
            "etcd-0 without a leader, the others with one",
            async () => {
                const r = await promQuery(ports.prometheus, "etcd_server_has_leader");
                const by = Object.fromEntries(r.map((s) => [s.metric.instance, s.value[1]]));
                return by["etcd-0:2381"] === "0" && by["etcd-1:2381"] === "1" && by["etcd-2:2381"] === "1" ? by : undefined;
            },
            120_000,
            2_000,
        );
        const failed = await waitFor(
            "failed proposals on etcd-0",
            async () => {
                const v = Number(
                    (await promQuery(ports.prometheus, 'increase(etcd_server_proposals_failed_total{instance="etcd-0:2381"}[2m])'))[0]
                        ?.value[1],
                );
                return v > 0 ? v : undefined;
            },
            120_000,
            2_000,
        );
        const linearizable = stepExit(results, "linearizability-partition-");
        rows.push(
            `| partition | has_leader ${JSON.stringify(seen)}; etcd-0 failed proposals +${failed.toFixed(0)} | exit ${linearizable} | ${linearizable === 0 ? "yes" : "NO"} |`,
        );
        assert.equal(linearizable, 0);
    });

    it("member-kill: etcd-0 crashes under load (gofail panic), restarts, catches up; baseline after", async () => {
        const { results, replaced } = await switchTo("member-kill");
        assert.ok(!replaced.some((n) => /^etcd-\d$/.test(n)), `a member was re-created: ${replaced.join(", ")}`);
        const kill = stepExit(results, "member-kill-");
        // Its output, read before the switch back to baseline removes the container.
        const killStep = [...results.values()].find((r) => r.resource.startsWith("member-kill-"));
        const killLogs = killStep ? (await containerLogs(engine.docker, killStep.id)).slice(-3000) : "";
        const linearizable = stepExit(results, "linearizability-member-kill-");
        const back = await switchTo("baseline");
        const health = JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports), ["endpoint", "health", "-w", "json"])) as {
            health: boolean;
        }[];
        rows.push(
            `| member-kill → baseline | kill step exit ${kill} (${killLogs.trim().split("\n").pop()}); all healthy after baseline: ${health.every((h) => h.health)} | exit ${linearizable} / baseline exit ${stepExit(back.results, "linearizability-baseline-")} | ${kill === 0 && linearizable === 0 ? "yes" : "NO"} |`,
        );
        assert.equal(kill, 0, `the member-kill step did not see the member crash and catch up:\n${killLogs}`);
        assert.equal(linearizable, 0);
        assert.ok(health.length === 3 && health.every((h) => h.health));
    });
});
