/**
 * T3, the etcd lab evolving 3 → 5 → 3 → 5 by config on a real Docker engine, under load
 * (`npm run test:docker`). Each step is the program's graph for the new `etcd.members` given
 * the guard state of the step before (tests/support/evaluate.ts, under mocks), applied the way
 * `pulumi up` would apply it to the running stack (tests/support/docker-apply.ts): containers
 * that are new are created, containers whose inputs changed are replaced in dependency order,
 * containers no longer in the graph are deleted at the end. Members run etcd 3.5.17 (the gofail
 * build, failpoints off); the membership tasks run the lab's own scripts with its etcdctl.
 *
 * Judged by etcd itself: `etcdctl member list` after every step, the tasks' exit codes, a writer
 * of our own through member 0's JSON gateway (every acknowledged put readable at the end), the
 * leader as `/v3/maintenance/status` reports it, Prometheus's `up{job="etcd"}`.
 */
import * as assert from "node:assert/strict";
import { checkTransition, GuardState, guardState } from "../components/guard";
import { Engine, connectEngine, containerLogs } from "./support/docker-engine";
import { EtcdLabImages, etcdLabImages, etcdNetworkImages } from "./support/docker-images";
import { buildGoTool } from "./support/etcd-peer-network";
import { ContainerResult, applyGraph, containerChanges, removeStack } from "./support/docker-apply";
import { LabPorts, etcdDockerConfig, etcdTargetsUp, etcdctl, hostEndpoints, labPorts } from "./support/docker-etcd-lab";
import { GatewayLoad } from "./support/etcd-gateway-load";
import { Graph, evaluate } from "./support/evaluate";
import { waitFor } from "./support/processes";
import { requireTool } from "./support/tools";

/** The suite, with members advertising their own peer URLs or their peer proxies' (`etcd.peerProxies`). */
function evolveSuite(proxies: boolean): void {
    describe(`etcd lab on a real Docker engine: 3 → 5 → 3 → 5 members by config, then a roll, under load${proxies ? ", through peer proxies" : ""}`, function () {
        this.timeout(20 * 60_000);
        let engine: Engine;
        let images: EtcdLabImages;
        let etcdctlTool: string;
        let ports: LabPorts;
        let load: GatewayLoad | undefined;
        const stack = `dt-${process.pid}-evolve${proxies ? "-proxied" : ""}`;
        let peerProxyImage: string | undefined;
        let graph: Graph | undefined;
        let state: GuardState | undefined;

        /** The stack with `members` members; `quota` is `etcd.quotaBackendBytes` (a flag every member has). */
        const config = (members: number, quota = 2 * 1024 ** 3) =>
            etcdDockerConfig(images, ports, false, {
                etcd: {
                    members,
                    allowScaleIn: true,
                    stepsImage: images.etcd,
                    quotaBackendBytes: quota,
                    ...(proxies ? { peerProxies: true, peerProxyImage } : {}),
                },
                // A benchmark that outlasts the steps: ≈ 300 puts/s for about three minutes.
                load: { enabled: true, total: 50_000, rate: 300 },
            });

        /** Applies the config with `members` as `pulumi up` would; returns the containers it created. */
        async function up(
            members: number,
            quota?: number,
        ): Promise<{ results: Map<string, ContainerResult>; changes: ReturnType<typeof containerChanges> }> {
            const next = config(members, quota);
            if (state) assert.deepEqual(checkTransition(state, next), [], `the guard refuses → ${members}`);
            const after = await evaluate(next, stack, state);
            const changes = containerChanges(graph, after);
            console.log(
                `      → ${members}: create ${changes.create.join(", ") || "-"}; replace ${changes.replace.join(", ") || "-"}; delete ${changes.remove.map((r) => r.name).join(", ") || "-"}`,
            );
            const touched = new Set([...changes.create, ...changes.replace]);
            const results = await applyGraph(engine.docker, after, {
                only: (r) => touched.has(r.name),
                replace: new Set(changes.replace),
                log: (l) => console.log(`        ${l}`),
            }).catch(async (err: Error) => {
                const task = /^task (\S+) exited/.exec(err.message)?.[1];
                const name = task && after.resources.get(`docker:index/container:Container::${task}`)?.inputs.name;
                throw new Error(`${err.message}\n${name ? await containerLogs(engine.docker, name, 40) : ""}`);
            });
            for (const r of changes.remove) await engine.docker.getContainer(r.inputs.name).remove({ force: true });
            for (const [name, res] of results) {
                if (res.exitCode !== undefined && /^etcd-(grow|shrink)-/.test(name)) {
                    assert.equal(res.exitCode, 0, `${name} exited ${res.exitCode}:\n${await containerLogs(engine.docker, res.name, 40)}`);
                }
            }
            state = guardState(next, state);
            graph = after;
            return { results, changes };
        }

        /** `etcdctl member list` through member 0: names of started voting members, learners and unstarted marked. */
        function memberList(): string[] {
            const list = JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports, 1), ["member", "list", "-w", "json"])).members as {
                name?: string;
                isLearner?: boolean;
            }[];
            return list.map((m) => `${m.name || "(unstarted)"}${m.isLearner ? " (learner)" : ""}`).sort();
        }
        const names = (n: number) => Array.from({ length: n }, (_, i) => `etcd-${i}`);

        before(async function () {
            this.timeout(30 * 60_000);
            etcdctlTool = requireTool("etcdctl");
            engine = await connectEngine();
            images = await etcdLabImages(engine.docker);
            if (proxies) {
                const binaries = { peerProxy: buildGoTool("etcd-peer-proxy"), checker: buildGoTool("etcd-linearizability") };
                peerProxyImage = (await etcdNetworkImages(engine.docker, binaries)).peerProxy;
            }
            ports = await labPorts(5);
        });

        after(async function () {
            this.timeout(5 * 60_000);
            await load?.end();
            if (!engine) return;
            await removeStack(engine.docker, stack);
            await engine.stop();
        });

        it("3: bootstraps three members; the writer starts (etcd-0 first, etcd-1 and etcd-2 should it fail)", async () => {
            await up(3);
            assert.deepEqual(memberList(), names(3));
            // Members 0..2 stay through every step; the roll restarts each of them once.
            load = new GatewayLoad(
                [0, 1, 2].map((i) => `http://127.0.0.1:${ports.etcdClient + i}`),
                "clusterlab/evolve/",
            );
            load.begin();
            await waitFor(
                "the writer's first acknowledged put",
                async () => (load!.acknowledged.length > 0 ? true : undefined),
                30_000,
                200,
            );
        });

        it("3 → 5: etcd-3 and etcd-4 join as learners and are promoted; the bootstrap members are not touched", async () => {
            const { changes } = await up(5);
            assert.deepEqual(
                changes.replace.filter((n) => /^etcd-\d$/.test(n)),
                [],
                "a bootstrap member would be replaced",
            );
            assert.deepEqual(memberList(), names(5));
            const peers = (
                JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports, 1), ["member", "list", "-w", "json"])).members as {
                    peerURLs: string[];
                }[]
            )
                .flatMap((m) => m.peerURLs)
                .sort();
            // Each joiner advertises what the others advertise: its own host, or its peer proxy.
            assert.deepEqual(
                peers,
                [0, 1, 2, 3, 4].map((i) => `http://${proxies ? "etcd-peer-proxy" : "etcd"}-${i}:2380`),
            );
            const status = JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports, 5), ["endpoint", "status", "-w", "json"])) as {
                Status: { header: { member_id: number } };
            }[];
            assert.equal(status.length, 5, "all five members answer endpoint status");
            assert.deepEqual(
                await etcdTargetsUp(ports.prometheus, 5, 90_000),
                names(5).map((n) => `${n}:2381`),
            );
        });

        it("5 → 3 with etcd-4 leading: leadership moves off it, then etcd-4 and etcd-3 leave the member list before their containers go; volumes stay", async () => {
            // Put the leader on a leaving member, so the step must move it (etcdctl sends move-leader to the leader).
            const id = (name: string) => {
                const line = etcdctl(etcdctlTool, hostEndpoints(ports, 1), ["member", "list", "-w", "simple"])
                    .split("\n")
                    .find((l) => l.split(", ")[2] === name);
                assert.ok(line, `${name} is not in the member list`);
                return line.split(", ")[0];
            };
            etcdctl(etcdctlTool, hostEndpoints(ports, 5), ["move-leader", id("etcd-4")]);
            const leaderIs = (i: number) => {
                const status = etcdctl(etcdctlTool, `http://127.0.0.1:${ports.etcdClient + i}`, ["endpoint", "status", "-w", "simple"]);
                return status.split(", ")[4] === "true";
            };
            assert.ok(leaderIs(4), "etcd-4 does not lead after move-leader");
            const leadersBefore = load!.leaders.length;
            const { changes, results } = await up(3);
            const shrinkLog = await containerLogs(engine.docker, results.get("etcd-shrink-5-to-3")!.name, 60);
            console.log(
                shrinkLog
                    .split("\n")
                    .filter((l) => /clusterlab-step|skipped|LEADER_TARGET/.test(l))
                    .map((l) => `        | ${l}`)
                    .join("\n"),
            );
            const firstStep = /clusterlab-step 1\/\d+: move leadership off etcd-4\n([\s\S]*?)clusterlab-step 2\//.exec(shrinkLog);
            assert.ok(firstStep, `no move-leadership step for etcd-4 in the shrink log:\n${shrinkLog}`);
            assert.doesNotMatch(firstStep[1], /skipped/, "the step skipped moving leadership off etcd-4, which led");
            assert.ok([0, 1, 2].some(leaderIs), "no staying member leads after the shrink");
            assert.ok(
                load!.leaders.length >= leadersBefore + 1,
                `the writer saw no leader change during the shrink: ${load!.leaders.join(" → ")}`,
            );
            assert.deepEqual(
                changes.remove
                    .map((r) => r.name)
                    .filter((n) => /^etcd-\d$/.test(n))
                    .sort(),
                ["etcd-3", "etcd-4"],
            );
            assert.deepEqual(memberList(), names(3));
            const volumes = ((await engine.docker.listVolumes({ filters: { label: [`clusterlab.stack=${stack}`] } })).Volumes ?? []).map(
                (v) => v.Name,
            );
            for (const i of [3, 4])
                assert.ok(volumes.includes(`clusterlab-${stack}-etcd-${i}-data`), `etcd-${i}'s volume is gone: ${volumes}`);
        });

        it("3 → 5 again: the members rejoin on their kept volumes with new data directories", async () => {
            await up(5);
            assert.deepEqual(memberList(), names(5));
            assert.deepEqual(state?.memory?.["etcd.memberJoins"], [0, 0, 0, 3, 4]);
        });

        it("a flag change on 5 members (etcd.quotaBackendBytes) replaces them one at a time: never two members down", async () => {
            const running = async () =>
                (await engine.docker.listContainers({ filters: { label: [`clusterlab.stack=${stack}`], status: ["running"] } })).filter(
                    (c) => /-etcd-\d$/.test(c.Names[0] ?? ""),
                ).length;
            // Running member containers, sampled every 200 ms while the roll applies (bounded by the apply).
            let sampling = true;
            const samples: number[] = [];
            const sampler = (async () => {
                for (let i = 0; sampling && i < 10_000; i++) {
                    samples.push(await running());
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
            })();
            const ids = async () =>
                new Map(
                    (await engine.docker.listContainers({ filters: { label: [`clusterlab.stack=${stack}`] } })).map((c) => [
                        c.Names[0],
                        c.Id,
                    ]),
                );
            const before = await ids();
            const { changes } = await up(5, 3 * 1024 ** 3).finally(() => (sampling = false));
            await sampler;
            const members = names(5);
            assert.deepEqual(changes.replace.filter((n) => /^etcd-\d$/.test(n)).sort(), members, "not every member was replaced");
            const after = await ids();
            for (const m of members) {
                const name = `/clusterlab-${stack}-${m}`;
                assert.notEqual(after.get(name), before.get(name), `${m} is the same container`);
            }
            console.log(`      running members while rolling: min ${Math.min(...samples)} of 5 over ${samples.length} samples`);
            assert.ok(Math.min(...samples) >= 4, `two members were down at once: ${samples.join(" ")}`);
            assert.deepEqual(memberList(), members);
        });

        it("no acknowledged put is lost; failed puts and leader changes are counted", async () => {
            assert.ok(load, "the writer did not start");
            await load.end();
            const acknowledged = load.acknowledged;
            const failed = load.puts.filter((p) => !p.ok);
            const read = await load.readBack();
            const lost = acknowledged.filter((p) => !read.has(p.key));
            console.log(
                `      writer: ${load.puts.length} puts, ${acknowledged.length} acknowledged (${load.failovers} by another member than etcd-0), ${failed.length} failed on every member, ${lost.length} lost; leaders seen: ${load.leaders.length} (${load.leaders.length - 1} changes)`,
            );
            for (const f of failed.slice(0, 5)) console.log(`        failed at ${new Date(f.t * 1000).toISOString()}: ${f.error}`);
            assert.ok(acknowledged.length > 100, `only ${acknowledged.length} puts acknowledged`);
            assert.deepEqual(
                lost.map((p) => p.key),
                [],
            );
            // Leadership moves off a member before it leaves or restarts, and one member restarts at a time:
            // a put fails on every member only while an election runs, which the steps avoid.
            assert.ok(failed.length <= acknowledged.length / 100, `${failed.length} of ${load.puts.length} puts failed`);
        });
    });
}

evolveSuite(false);
evolveSuite(true);
