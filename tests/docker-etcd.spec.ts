/**
 * T3, the etcd lab on a real Docker engine (`npm run test:docker`): the graph the program
 * renders for `Pulumi.etcd.yaml` (under mocks), with images built here from Debian and the
 * gofail build of etcd 3.5.17, created container by container through dockerode as the
 * pulumi-docker provider would (tests/support/docker-apply.ts says how, and what that does
 * not prove). Judged by the running services: etcdctl, Prometheus's API, gofail's HTTP API.
 */
import * as assert from "node:assert/strict";
import Docker from "dockerode";
import { failpointTerms } from "../labs/etcd/scenario";
import { EtcdLabConfig } from "../components/config";
import { Engine, connectEngine, containerLogs } from "./support/docker-engine";
import { EtcdLabImages, etcdLabImages } from "./support/docker-images";
import { ContainerResult, applyGraph, removeContainer, removeStack } from "./support/docker-apply";
import { LabPorts, SCENARIOS, etcdDockerConfig, etcdTargetsUp, etcdctl, hostEndpoints, labPorts } from "./support/docker-etcd-lab";
import { Graph, evaluate } from "./support/evaluate";
import { waitFor } from "./support/processes";
import { requireTool } from "./support/tools";

const MEMBERS = ["etcd-0", "etcd-1", "etcd-2"];

/** The member's address on the stack network (reachable from this host: a bridge network the test made). */
async function memberIp(docker: Docker, graph: Graph, member: string): Promise<string> {
    const name = graph.resources.get(`docker:index/container:Container::${member}`)!.inputs.name;
    const networks = (await docker.getContainer(name).inspect()).NetworkSettings.Networks;
    const ip = Object.values(networks)[0]?.IPAddress;
    assert.ok(ip, `${member}: no IP address`);
    return ip;
}

/** Runs a command in a member container (Engine API exec); returns its exit code and output. */
async function execIn(docker: Docker, graph: Graph, member: string, cmd: string[]): Promise<{ exitCode: number | null; output: string }> {
    const name = graph.resources.get(`docker:index/container:Container::${member}`)!.inputs.name;
    const exec = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => stream.on("end", resolve));
    return { exitCode: (await exec.inspect()).ExitCode, output: Buffer.concat(chunks).toString() };
}

/** What gofail's HTTP API reports for one failpoint of one member (`GET /<name>`). */
async function failpointState(docker: Docker, graph: Graph, config: EtcdLabConfig, member: string, name: string): Promise<string> {
    const ip = await memberIp(docker, graph, member);
    const res = await fetch(`http://${ip}:${config.etcd.failpointPort}/${name}`, { signal: AbortSignal.timeout(5_000) });
    return `${res.status} ${(await res.text()).trim()}`;
}

describe("etcd lab on a real Docker engine", function () {
    this.timeout(20 * 60_000);
    let engine: Engine;
    let images: EtcdLabImages;
    let etcdctlTool: string;
    const stacks: string[] = [];
    const newStack = (what: string) => {
        const stack = `dt-${process.pid}-${what}`;
        stacks.push(stack);
        return stack;
    };

    before(async function () {
        this.timeout(30 * 60_000);
        etcdctlTool = requireTool("etcdctl");
        engine = await connectEngine();
        console.log(`      engine ${engine.host}${engine.started ? " (started by this test)" : ""}`);
        const t = Date.now();
        images = await etcdLabImages(engine.docker);
        console.log(`      images ready in ${Date.now() - t} ms: ${Object.values(images).join(", ")}`);
    });

    after(async function () {
        this.timeout(5 * 60_000);
        if (!engine) return;
        for (const stack of stacks) await removeStack(engine.docker, stack);
        await engine.stop();
    });

    describe("Pulumi.etcd.yaml (baseline, benchmark on)", () => {
        let stack: string;
        let ports: LabPorts;
        let graph: Graph;
        let results: Map<string, ContainerResult>;

        before(async () => {
            stack = newStack("base");
            ports = await labPorts();
            graph = await evaluate(etcdDockerConfig(images, ports, false, { load: { enabled: true } }), stack);
            results = await applyGraph(engine.docker, graph, { log: (l) => console.log(`      ${l}`) });
        });

        it("runs 3 healthy members of one cluster (member list, endpoint health)", () => {
            for (const m of MEMBERS) assert.ok(results.get(m)?.readyMs !== undefined, `${m} was not waited healthy`);
            const list = etcdctl(etcdctlTool, hostEndpoints(ports), ["member", "list", "-w", "json"]);
            const members = JSON.parse(list).members as { name: string; clientURLs: string[] }[];
            assert.deepEqual(members.map((m) => m.name).sort(), MEMBERS);
            const health = etcdctl(etcdctlTool, hostEndpoints(ports), ["endpoint", "health", "-w", "json"]);
            const entries = JSON.parse(health) as { endpoint: string; health: boolean }[];
            assert.equal(entries.length, 3);
            assert.ok(
                entries.every((e) => e.health),
                health,
            );
        });

        it('has Prometheus scraping every member (up{job="etcd"} == 1 ×3) with the etcd rule file loaded', async () => {
            assert.deepEqual(await etcdTargetsUp(ports.prometheus, 3), ["etcd-0:2381", "etcd-1:2381", "etcd-2:2381"]);
            const rules = await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/rules`)).json();
            const groups = rules.data.groups as { file: string; rules: { name: string }[] }[];
            const etcdGroups = groups.filter((g) => g.file === "/etc/prometheus/rules/etcd.yml");
            assert.ok(
                etcdGroups.length > 0,
                `no rule group from /etc/prometheus/rules/etcd.yml: ${JSON.stringify(groups.map((g) => g.file))}`,
            );
            assert.ok(etcdGroups.flatMap((g) => g.rules).length > 0);
        });

        it("runs the benchmark to exit 0", async () => {
            const name = graph.resources.get("docker:index/container:Container::etcd-benchmark-baseline")?.inputs.name;
            assert.ok(name, "no benchmark container in the graph");
            const state = await waitFor(
                "benchmark to exit",
                async () => {
                    const s = (await engine.docker.getContainer(name).inspect()).State;
                    return s.Status === "exited" ? s : undefined;
                },
                180_000,
                1_000,
            );
            assert.equal(state.ExitCode, 0, await containerLogs(engine.docker, name, 30));
        });

        it("keeps data when every container is removed and re-created on the same volumes", async () => {
            etcdctl(etcdctlTool, hostEndpoints(ports), ["put", "clusterlab-survives", "yes"]);
            for (const c of await engine.docker.listContainers({ all: true, filters: { label: [`clusterlab.stack=${stack}`] } })) {
                await engine.docker.getContainer(c.Id).remove({ force: true });
            }
            assert.equal((await engine.docker.listContainers({ all: true, filters: { label: [`clusterlab.stack=${stack}`] } })).length, 0);
            await applyGraph(engine.docker, graph, { only: (r) => !r.name.startsWith("etcd-benchmark") });
            const got = etcdctl(etcdctlTool, hostEndpoints(ports), ["get", "clusterlab-survives", "--print-value-only"]);
            assert.equal(got.trim(), "yes");
        });
    });

    describe("every scenario with the failpoint image", () => {
        for (const scenario of SCENARIOS) {
            it(`${scenario}: members healthy, the scenario's failpoints active on every member, also after a member is re-created`, async () => {
                const stack = newStack(scenario);
                const ports = await labPorts();
                const config = etcdDockerConfig(images, ports, true, { scenario, load: { enabled: false } });
                const graph = await evaluate(config, stack);
                const results = await applyGraph(engine.docker, graph);
                for (const m of MEMBERS) assert.ok(results.get(m)?.readyMs !== undefined, `${m} not healthy`);
                const steps = [...results.values()].filter((r) => r.exitCode !== undefined);
                assert.ok(
                    steps.some((s) => s.resource.startsWith("scenario-")),
                    `no scenario step ran: ${[...results.keys()]}`,
                );
                for (const s of steps) assert.equal(s.exitCode, 0, `${s.resource} exited ${s.exitCode}`);
                const health = JSON.parse(etcdctl(etcdctlTool, hostEndpoints(ports), ["endpoint", "health", "-w", "json"])) as {
                    health: boolean;
                }[];
                assert.ok(health.length === 3 && health.every((h) => h.health));
                // Why the probe is not etcdctl: run inside the member, it inherits GOFAIL_HTTP and fails.
                const probe = await execIn(engine.docker, graph, "etcd-0", ["/usr/local/bin/etcdctl", "endpoint", "health"]);
                assert.equal(probe.exitCode, 1, probe.output);
                assert.match(probe.output, /address already in use/);

                // The terms the stack config asks for: the scenario's own, every other scenario's off.
                const own = config.failpoints[scenario] ?? {};
                const others = Object.keys(failpointTerms(scenario, config.failpoints)).filter((n) => !(n in own));
                const expectActive = async () => {
                    for (const m of MEMBERS) {
                        for (const [name, term] of Object.entries(own))
                            assert.equal(await failpointState(engine.docker, graph, config, m, name), `200 ${term}`, `${m} ${name}`);
                        for (const name of others)
                            assert.doesNotMatch(await failpointState(engine.docker, graph, config, m, name), /sleep|panic/, `${m} ${name}`);
                    }
                };
                await expectActive();

                // Re-create a member on its volume: gofail terms live in the etcd process, so the new
                // one starts with none until the rendered failpoint step runs again.
                await removeContainer(engine.docker, graph, "etcd-1");
                await applyGraph(engine.docker, graph, { only: (r) => r.name === "etcd-1" });
                for (const name of Object.keys(own)) {
                    const state = await failpointState(engine.docker, graph, config, "etcd-1", name);
                    console.log(`        re-created etcd-1, before the step re-runs: GET /${name} → ${state}`);
                    assert.match(state, /disabled|^404/, `re-created etcd-1 ${name}`);
                }
                const step = steps.find((s) => s.resource.startsWith("scenario-"))!;
                await removeContainer(engine.docker, graph, step.resource);
                const rerun = await applyGraph(engine.docker, graph, { only: (r) => r.name === step.resource });
                assert.equal(rerun.get(step.resource)?.exitCode, 0);
                await expectActive();
                await removeStack(engine.docker, stack);
            });
        }
    });
});
