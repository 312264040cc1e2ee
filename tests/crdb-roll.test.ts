/**
 * The CockroachDB lab drains and replaces its nodes one at a time on Docker when their spec
 * changes (labs/crdb/lab.ts, labs/crdb/membership.ts `crdbRollingRestart`): what the program
 * renders under mocks, given the guard state of the deployment before, as `pulumi up` would. The
 * scripts' behaviour against a cluster that answers is judged in tests/membership-standins.test.ts
 * (stand-in `cockroach`: no CockroachDB binary can be had here).
 */
import * as assert from "node:assert/strict";
import { checkTransition, guardState } from "../components/guard";
import { Graph, RegisteredResource, evaluate, evaluateChange, keyOf, ofType, stackConfig, waitsFor } from "./support/evaluate";

const CONTAINER = "docker:index/container:Container";
const container = (g: Graph, name: string): RegisteredResource => {
    const found = ofType(g, CONTAINER).find((c) => c.name === name);
    assert.ok(found, `no container ${name}`);
    return found;
};
const script = (c: RegisteredResource) => (c.inputs.command as string[]).join(" ");
const rollTasks = (g: Graph) =>
    ofType(g, CONTAINER)
        .filter((c) => c.name.startsWith("crdb-roll-"))
        .map((c) => c.name);
const key = (name: string) => keyOf({ type: CONTAINER, name });
/** Phase 2 (3 nodes) on Docker, with `extra` overrides. */
const docker = (extra: Record<string, unknown> = {}) => stackConfig("phase2", { platform: "docker", app: { enabled: false }, ...extra });

const change = (first: Record<string, unknown>, second: Record<string, unknown>) => evaluateChange("phase2", docker(first), docker(second));

describe("CockroachDB lab: a node spec change drains and replaces one node at a time (Docker)", () => {
    it("a major bump: the hold, then crdb-2, crdb-1, crdb-0, each drained before and live on the new build after", async () => {
        const { before, after } = await change({}, { crdb: { version: "v25.1.2" } });
        const tasks = rollTasks(after);
        assert.equal(tasks.length, 4, tasks.join(", "));
        const hold = ofType(after, CONTAINER).find((c) => c.name.startsWith("crdb-upgrade-hold-"))!;
        assert.ok(hold, "no hold task");
        const chain = [keyOf(hold), ...[tasks[0], "crdb-2", tasks[1], "crdb-1", tasks[2], "crdb-0", tasks[3]].map(key)];
        for (let i = 1; i < chain.length; i++)
            assert.ok(waitsFor(after, chain[i], chain[i - 1]), `${chain[i]} does not wait for ${chain[i - 1]}`);
        assert.ok(!waitsFor(after, key("crdb-2"), key("crdb-1")), "crdb-2 waits for crdb-1");
        for (const i of [0, 1, 2]) {
            assert.match(String(container(after, `crdb-${i}`).inputs.image), /v25\.1\.2/);
            assert.notDeepEqual(container(after, `crdb-${i}`).inputs, container(before, `crdb-${i}`).inputs);
        }
        const [first, second, , last] = tasks.map((t) => script(container(after, t)));
        assert.match(first, /drain crdb-2[\s\S]*'node' 'drain' "\$NODE_ID" '--drain-wait=120s'/);
        assert.match(second, /crdb-2 live on v25\.1\.2[\s\S]*drain crdb-1/);
        assert.match(last, /crdb-0 live on v25\.1\.2/);
        assert.doesNotMatch(last, /drain/);
        // The later phases' SQL steps (phase 0's wait for crdb-init only) run once the last node is back.
        const sql = ofType(after, CONTAINER).filter((c) => c.name.startsWith("sql-"));
        assert.ok(
            sql.some((c) => waitsFor(after, keyOf(c), key(tasks[3]))),
            "no SQL step waits for the roll's last task",
        );
    });

    it("a host-port change rolls too; the next up renders the same nodes and no task", async () => {
        const { after, state, config } = await change({}, { crdb: { httpHostPort: 18080 } });
        assert.equal(rollTasks(after).length, 4);
        const settled = await evaluate(config, "phase2", state);
        assert.deepEqual(rollTasks(settled), []);
        assert.deepEqual(container(settled, "crdb-1").inputs, container(after, "crdb-1").inputs);
    });

    it("refuses a node-count change with a version change, and any rolled change on a stack without a remembered node spec", () => {
        const deployed = guardState(docker());
        assert.match(
            checkTransition(deployed, docker({ crdb: { nodes: 4, version: "v24.3.6" } })).join("\n"),
            /crdb\.nodes: 3 → 4 together with a change that reaches every member/,
        );
        const old = { ...deployed, memory: { ...deployed.memory, "crdb.memberSpec": undefined } };
        assert.match(
            checkTransition(old, docker({ crdb: { version: "v24.3.6" } })).join("\n"),
            /crdb\.version: "v24\.3\.5" → "v24\.3\.6" would replace stateful resources: this stack was deployed before clusterlab remembered the crdb members' spec/,
        );
        // Any rolled field, not only the version: nothing remembered to roll from means every node at once.
        assert.match(
            checkTransition(old, docker({ crdb: { httpHostPort: 18080 } })).join("\n"),
            /crdb\.httpHostPort: 8080 → 18080 would replace stateful resources: this stack was deployed before/,
        );
        // Once remembered (one pulumi up with the new code), the same change rolls.
        assert.deepEqual(checkTransition(guardState(docker(), old), docker({ crdb: { httpHostPort: 18080 } })), []);
    });

    it("no roll where the nodes cannot roll: a crdb.secure switch, or a move from Kubernetes (both with allowReplace)", async () => {
        // The steps would speak TLS to insecure nodes (or the reverse), and the two cannot form one cluster.
        const insecure = docker({ crdb: { secure: false } });
        const secure = docker({ allowReplace: true, crdb: { secure: true, version: "v24.3.6" } });
        assert.deepEqual(checkTransition(guardState(insecure), secure), []);
        assert.deepEqual(rollTasks(await evaluate(secure, "phase2", guardState(insecure))), []);
        // Every container is new on Docker: a roll would wait for a crdb-0 that waits for the roll.
        const onKubernetes = guardState(stackConfig("phase2", { app: { enabled: false } }));
        const moved = docker({ allowReplace: true, crdb: { version: "v24.3.6" } });
        assert.deepEqual(checkTransition(onKubernetes, moved), []);
        assert.deepEqual(rollTasks(await evaluate(moved, "phase2", onKubernetes)), []);
    });

    it("with allowReplace a node-count change may come with a version change (every node replaced at once, by consent)", () => {
        const deployed = guardState(docker());
        assert.deepEqual(checkTransition(deployed, docker({ allowReplace: true, crdb: { nodes: 4, version: "v24.3.6" } })), []);
    });

    it("on Kubernetes the StatefulSet rolls: no roll task", async () => {
        const a = stackConfig("phase2");
        const graph = await evaluate(stackConfig("phase2", { crdb: { version: "v24.3.6" } }), "phase2", guardState(a));
        assert.deepEqual(
            ofType(graph, "kubernetes:batch/v1:Job").filter((j) => j.name.includes("-roll-")),
            [],
        );
    });
});
