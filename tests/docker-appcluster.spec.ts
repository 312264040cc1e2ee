/**
 * T3, the app cluster lab on a real Docker engine (`npm run test:docker`): the graph the
 * program renders for `Pulumi.appcluster.yaml`, with a stand-in node image built here
 * (docker/test/appnode), created through dockerode as the pulumi-docker provider would
 * (tests/support/docker-apply.ts). Scale-out and the fault drill are applied as the engine
 * would apply their diffs: new resources created; a container whose `start` changed replaced
 * (`replaceOnChanges`, delete before replace), its volume untouched.
 */
import * as assert from "node:assert/strict";
import Docker from "dockerode";
import { AppClusterLabConfig } from "../components/config";
import { Engine, connectEngine } from "./support/docker-engine";
import { appNodeImage } from "./support/docker-images";
import { applyGraph, removeContainer, removeStack } from "./support/docker-apply";
import { freePortRange } from "./support/docker-etcd-lab";
import { Graph, evaluate, ofType, stackConfig } from "./support/evaluate";
import { changedPaths } from "./support/phase-diff";
import { waitFor } from "./support/processes";

const CONTAINER = "docker:index/container:Container";

/** GET a path of node `id`'s API from the host; undefined while it does not answer. */
async function get(apiBase: number, id: number, path: string): Promise<string | undefined> {
    try {
        const res = await fetch(`http://127.0.0.1:${apiBase + id}${path}`, { signal: AbortSignal.timeout(3_000) });
        return res.ok ? await res.text() : undefined;
    } catch {
        return undefined;
    }
}

function containerName(graph: Graph, id: number): string {
    const c = ofType(graph, CONTAINER).find((r) => r.name === `app-${id}-0`);
    assert.ok(c, `no container for node ${id}`);
    return c.inputs.name;
}

async function health(docker: Docker, graph: Graph, id: number): Promise<string | undefined> {
    return (await docker.getContainer(containerName(graph, id)).inspect()).State.Health?.Status;
}

describe("app cluster lab on a real Docker engine", function () {
    this.timeout(10 * 60_000);
    let engine: Engine;
    let image: string;
    const stack = `dt-${process.pid}-app`;
    let api: number;
    let config: (overrides?: Record<string, unknown>) => AppClusterLabConfig;
    let three: Graph;

    before(async function () {
        this.timeout(20 * 60_000);
        engine = await connectEngine();
        image = await appNodeImage(engine.docker);
        // Bases whose +1..+4 are free (node i publishes base + i).
        const [apiBase, kvBase, raftBase] = [await freePortRange(5), await freePortRange(5), await freePortRange(5)];
        api = apiBase;
        config = (overrides = {}) =>
            stackConfig("appcluster", {
                app: {
                    image,
                    ports: { api: { hostPortBase: apiBase }, kv: { hostPortBase: kvBase }, raft: { hostPortBase: raftBase } },
                    ...overrides,
                },
                observability: { prometheus: false, grafana: false },
            }) as AppClusterLabConfig;
        three = await evaluate(config(), stack);
        await applyGraph(engine.docker, three);
    });

    after(async function () {
        if (!engine) return;
        await removeStack(engine.docker, stack);
        await engine.stop();
    });

    it("starts 3 healthy nodes, each showing its NODE_ID and JOIN_ADDR on /env", async () => {
        for (const id of [1, 2, 3]) {
            await waitFor(
                `node ${id} healthy`,
                async () => ((await health(engine.docker, three, id)) === "healthy" ? true : undefined),
                60_000,
                500,
            );
            const env = (await get(api, id, "/env")) ?? "";
            assert.match(env, new RegExp(`^NODE_ID=${id}$`, "m"));
            assert.match(env, new RegExp(`^NODE_NAME=app-${id}$`, "m"));
            assert.match(env, id === 1 ? /^JOIN_ADDR=$/m : /^JOIN_ADDR=app-1-0:8080$/m);
        }
        const members = await waitFor(
            "nodes 2 and 3 to join node 1",
            async () => {
                const m = (await get(api, 1, "/cgi-bin/cluster"))?.trim().split("\n").sort();
                return m?.length === 3 ? m : undefined;
            },
            60_000,
            500,
        );
        assert.deepEqual(members, ["app-1", "app-2", "app-3"]);
    });

    it("scale-out 3 → 4 leaves nodes 1–3's inputs unchanged and node 4 joins the running three", async () => {
        const four = await evaluate(config({ nodes: 4 }), stack);
        for (const id of [1, 2, 3]) {
            const key = `${CONTAINER}::app-${id}-0`;
            assert.deepEqual(changedPaths(three.resources.get(key)!.inputs, four.resources.get(key)!.inputs), [], `node ${id}`);
        }
        const added = [...four.resources.keys()].filter((k) => !three.resources.has(k));
        assert.deepEqual(added.sort(), [`${CONTAINER}::app-4-0`, "docker:index/volume:Volume::app-4-0-data"]);
        await applyGraph(engine.docker, four, { only: (r) => r.name === "app-4-0" });
        await waitFor("node 4 healthy", async () => ((await health(engine.docker, four, 4)) === "healthy" ? true : undefined), 60_000, 500);
        const members = await waitFor(
            "node 4 to join node 1",
            async () => {
                const m = (await get(api, 1, "/cgi-bin/cluster"))?.trim().split("\n").sort();
                return m?.includes("app-4") ? m : undefined;
            },
            60_000,
            500,
        );
        assert.deepEqual(members, ["app-1", "app-2", "app-3", "app-4"]);
        assert.match((await get(api, 4, "/env")) ?? "", /^JOIN_ADDR=app-1-0:8080$/m);
        // Nodes 1–3 were not touched: still on their first boot.
        for (const id of [1, 2, 3]) assert.match((await get(api, id, "/cgi-bin/data")) ?? "", /^boots=1$/m);
    });

    it("stopped: [2] stops node 2 and keeps its volume; removing it brings node 2 back with its data", async () => {
        const four = await evaluate(config({ nodes: 4 }), stack);
        const drill = await evaluate(config({ nodes: 4, stopped: [2] }), stack);
        const node2 = containerName(drill, 2);
        // Something only node 2's volume holds.
        const exec = await engine.docker.getContainer(node2).exec({ Cmd: ["sh", "-c", "echo survived > /data/marker"] });
        await exec.start({});
        await waitFor("marker written", async () => ((await exec.inspect()).ExitCode === 0 ? true : undefined), 10_000, 200);

        // The engine's diff: start true → false is in replaceOnChanges, so delete then create.
        await removeContainer(engine.docker, drill, "app-2-0");
        await applyGraph(engine.docker, drill, { only: (r) => r.name === "app-2-0" });
        const stopped = (await engine.docker.getContainer(node2).inspect()).State;
        assert.equal(stopped.Running, false);
        assert.equal(await get(api, 2, "/health"), undefined, "node 2 still answers");
        const volume = ofType(drill, "docker:index/volume:Volume").find((v) => v.name === "app-2-0-data")!.inputs.name;
        assert.ok(await engine.docker.getVolume(volume).inspect(), "node 2's volume is gone");
        for (const id of [1, 3, 4]) assert.equal(await get(api, id, "/health"), "ok\n", `node ${id} should keep running`);

        // Back: the container is replaced again, started, on the same volume.
        await removeContainer(engine.docker, four, "app-2-0");
        await applyGraph(engine.docker, four, { only: (r) => r.name === "app-2-0" });
        await waitFor(
            "node 2 healthy again",
            async () => ((await health(engine.docker, four, 2)) === "healthy" ? true : undefined),
            60_000,
            500,
        );
        const data = (await get(api, 2, "/cgi-bin/data")) ?? "";
        assert.match(data, /^marker=survived$/m);
        // Created twice, started twice: the stopped container never ran.
        assert.match(data, /^boots=2$/m);
    });
});
