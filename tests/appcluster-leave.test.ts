/**
 * App cluster scale-in with `app.leavePath` (labs/appcluster/leave.ts): under mocks, the leave task
 * exists only for a scale-in with a leave path, POSTs to the highest leaving node first, and the
 * leaving nodes are no longer registered (Pulumi deletes them after every registration, the
 * waited-for task included) while their volumes are retained; a path that could escape its quoting
 * is refused naming the key. Then the task's own script runs in a real `/bin/sh` with the real
 * curl against local HTTP servers (one per node, 127.0.0.1, port 0), its node addresses swapped
 * for theirs: the requests arrive highest node first, the next only after the previous answered 2xx.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Server, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { AppClusterLabConfig } from "../components/config";
import { GuardState, guardState } from "../components/guard";
import { problemsOf } from "./support/config-problems";
import { Graph, evaluate, keyOf, ofType, stackConfig } from "./support/evaluate";
import { requireTool } from "./support/tools";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const JOB = "kubernetes:batch/v1:Job";
const STS = "kubernetes:apps/v1:StatefulSet";
const LEAVE = "/cluster/leave";

function app(overrides: Record<string, unknown> = {}, platform = "docker"): AppClusterLabConfig {
    return stackConfig("appcluster", { platform, ...overrides }) as AppClusterLabConfig;
}

/** The guard state of a deployed `nodes`-node stack. */
function deployed(nodes: number, platform = "docker", extra: Record<string, unknown> = {}): GuardState {
    return guardState(app({ app: { nodes, ...extra } }, platform));
}

/** The stack shrunk to `nodes`, allowed, with `leavePath` when given. */
function shrunk(nodes: number, leavePath?: string, platform = "docker"): AppClusterLabConfig {
    return app({ app: { nodes, allowScaleIn: true, ...(leavePath ? { leavePath } : {}) } }, platform);
}

/** Leave tasks of a graph: Docker one-shot containers or Kubernetes Jobs named `app-leave-…`. */
function leaveTasks(graph: Graph) {
    return [...ofType(graph, CONTAINER), ...ofType(graph, JOB)].filter((r) => r.name.startsWith("app-leave-"));
}

/** The script a leave task runs (`/bin/sh -c <script>`). */
function scriptOf(task: { type: string; inputs: Record<string, any> }): string {
    if (task.type === JOB) {
        const c = task.inputs.spec.template.spec.containers[0];
        assert.deepEqual(c.command, ["/bin/sh", "-c"]);
        return c.args[0];
    }
    assert.deepEqual(task.inputs.entrypoints, ["/bin/sh", "-c"]);
    return task.inputs.command[0];
}

describe("app cluster scale-in with app.leavePath (mocks)", () => {
    it("Docker 5 → 3: one task app-leave-5-to-3 on curlimages/curl, POST to app-5 then app-4, none to staying nodes", async () => {
        const graph = await evaluate(shrunk(3, LEAVE), "appcluster", deployed(5));
        const tasks = leaveTasks(graph);
        assert.deepEqual(
            tasks.map((t) => t.name),
            ["app-leave-5-to-3"],
        );
        const [task] = tasks;
        assert.match(JSON.stringify(task.inputs.image), /curlimages[/-]curl[:-]8\.11\.1/);
        assert.ok(
            (task.inputs.labels as { label: string; value: string }[]).some((l) => l.label === "clusterlab.task"),
            "not labelled as a task",
        );
        // Waited for: the provider attaches until the container exits.
        assert.equal(task.inputs.attach, true);
        const script = scriptOf(task);
        const at = (node: number) => script.indexOf(`'http://app-${node}-0:8080${LEAVE}'`);
        assert.ok(at(5) >= 0 && at(4) > at(5), `app-5 is not asked before app-4:\n${script}`);
        for (const staying of [1, 2, 3]) assert.equal(at(staying), -1, `a staying node (app-${staying}) is asked to leave`);
        assert.match(script, /'curl' '-fsS' '--max-time' '10' '-X' 'POST'/);
        assert.match(script, /timed out after 60 s waiting for app-5 to accept POST/);
    });

    it("Docker 5 → 3: the leaving nodes' containers and volumes are no longer registered; their volumes are retainOnDelete", async () => {
        const before = await evaluate(app({ app: { nodes: 5 } }), "appcluster", deployed(5));
        const after = await evaluate(shrunk(3, LEAVE), "appcluster", deployed(5));
        for (const node of [4, 5]) {
            const container = keyOf({ type: CONTAINER, name: `app-${node}-0` });
            const volume = keyOf({ type: VOLUME, name: `app-${node}-0-data` });
            assert.ok(before.resources.has(container) && before.resources.has(volume), `node ${node} was not deployed`);
            // Unregistered: Pulumi deletes them once the program's registrations (the task's included) are done.
            assert.ok(!after.resources.has(container), `${container} still registered`);
            assert.ok(!after.resources.has(volume), `${volume} still registered`);
            assert.ok(before.retainOnDelete?.has(volume), `${volume} would be deleted with its data`);
        }
        // Nothing that stays waits for the task, and the task waits for nothing: it starts at once.
        const task = keyOf({ type: CONTAINER, name: "app-leave-5-to-3" });
        assert.deepEqual(after.dependsOn.get(task) ?? [], []);
        for (const node of [1, 2, 3]) assert.ok(after.resources.has(keyOf({ type: CONTAINER, name: `app-${node}-0` })));
    });

    it("Kubernetes 4 → 2: a Job POSTing to app-4's then app-3's peer DNS name; their StatefulSets go, keeping PVCs", async () => {
        const before = await evaluate(app({ app: { nodes: 4 } }, "kubernetes"), "appcluster", deployed(4, "kubernetes"));
        const graph = await evaluate(shrunk(2, LEAVE, "kubernetes"), "appcluster", deployed(4, "kubernetes"));
        const tasks = leaveTasks(graph);
        assert.deepEqual(
            tasks.map((t) => `${t.type}::${t.name}`),
            [`${JOB}::app-leave-4-to-2`],
        );
        const script = scriptOf(tasks[0]);
        const at = (node: number) =>
            script.search(new RegExp(`'http://app-${node}-0\\.app-${node}-peer\\.[a-z0-9-]+\\.svc\\.cluster\\.local:8080/cluster/leave'`));
        assert.ok(at(4) >= 0 && at(3) > at(4), script);
        assert.equal(script.search(/app-[12]-0/), -1, "a staying node is asked to leave");
        for (const node of [3, 4]) {
            const set = before.resources.get(keyOf({ type: STS, name: `app-${node}` }));
            assert.deepEqual(set?.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
            assert.ok(!graph.resources.has(keyOf({ type: STS, name: `app-${node}` })), `app-${node} still registered`);
        }
    });

    it("no task without a leave path, for a scale-out, at the same count, on a new stack, or once the scale-in is deployed", async () => {
        const plain = await evaluate(shrunk(3), "appcluster", deployed(5));
        assert.deepEqual(leaveTasks(plain), []);
        // Without app.leavePath a scale-in registers exactly what a new 3-node stack does.
        const fresh = await evaluate(shrunk(3), "appcluster");
        assert.deepEqual([...plain.resources.keys()].sort(), [...fresh.resources.keys()].sort());
        const cases: [string, AppClusterLabConfig, GuardState | undefined][] = [
            ["scale-out 3 → 4", app({ app: { nodes: 4, leavePath: LEAVE } }), deployed(3)],
            ["3 → 3", app({ app: { nodes: 3, leavePath: LEAVE } }), deployed(3)],
            ["new stack", app({ app: { nodes: 3, leavePath: LEAVE } }), undefined],
            ["after 5 → 3 was deployed", shrunk(3, LEAVE), guardState(shrunk(3, LEAVE), deployed(5))],
        ];
        for (const [label, config, previous] of cases) {
            assert.deepEqual(
                leaveTasks(await evaluate(config, "appcluster", previous)).map((t) => t.name),
                [],
                label,
            );
        }
    });

    it("refuses a leave path that is not a plain URL path, naming app.leavePath", () => {
        for (const bad of [
            "/x; rm -rf /",
            "http://evil",
            "/cluster leave",
            "/x'y",
            '/x"$(id)"',
            "/leave?now=1",
            "cluster/leave",
            "",
            `/${"a".repeat(200)}`,
        ]) {
            const problems = problemsOf({ lab: "appcluster", app: { image: "me/raft:1.0", leavePath: bad } });
            assert.ok(
                problems.some((p) => p.startsWith("app.leavePath:") && p.includes("expected a URL path such as /cluster/leave")),
                `${JSON.stringify(bad)}: ${problems.join("\n")}`,
            );
        }
        for (const good of [LEAVE, "/v1/raft/leave-node_2.~x", "/"]) {
            assert.equal(app({ app: { leavePath: good } }).app.leavePath, good);
        }
    });
});

describe("app cluster leave task's script against local HTTP servers (real sh and curl)", function () {
    this.timeout(60_000);
    const servers: Server[] = [];
    before(() => {
        requireTool("curl");
        requireTool("/bin/sh");
    });
    after(() => servers.forEach((s) => s.close()));

    it("4 → 1: POSTs reach app-4, app-3 (503 once, then retried), then app-2, each after the previous answered 2xx", async () => {
        const graph = await evaluate(shrunk(1, LEAVE), "appcluster", deployed(4));
        let script = scriptOf(leaveTasks(graph)[0]);
        const arrivals: string[] = [];
        for (const node of [2, 3, 4]) {
            let seen = 0;
            const server = createServer((req, res) => {
                seen++;
                const fail = node === 3 && seen === 1;
                arrivals.push(`app-${node} ${req.method} ${req.url}${fail ? " 503" : ""}`);
                res.statusCode = fail ? 503 : 200;
                res.end(fail ? "not yet" : "left");
            });
            servers.push(server);
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            const { port } = server.address() as AddressInfo;
            script = script.split(`app-${node}-0:8080`).join(`127.0.0.1:${port}`);
        }
        assert.doesNotMatch(script, /app-\d-0:8080/, "a node address was not substituted");
        const run = await sh(script);
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /clusterlab-steps done/);
        assert.deepEqual(arrivals, [`app-4 POST ${LEAVE}`, `app-3 POST ${LEAVE} 503`, `app-3 POST ${LEAVE}`, `app-2 POST ${LEAVE}`]);
        console.log(`      ${arrivals.length} requests in order: ${arrivals.join(", ")}`);
    });
});

/** Runs `script` as the task does (`/bin/sh -c`), without proxies for 127.0.0.1. */
function sh(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const env = { ...process.env, http_proxy: "", HTTP_PROXY: "", no_proxy: "127.0.0.1", NO_PROXY: "127.0.0.1" };
        const child = spawn("/bin/sh", ["-c", script], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
        child.on("exit", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}
