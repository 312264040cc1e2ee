/**
 * A `crdb.version` bump must leave every completed step as it is: run under the Pulumi engine on
 * kube-local, v24.3.5 → v24.3.6 once deleted and re-created all ten CockroachDB Jobs (crdb-init,
 * both backups, every SQL step) because their image followed the version. Here, under mocks: the
 * phase-2 stack deployed at v24.3.5, then bumped to v24.3.6 with the first deployment's guard
 * state — every Job (Kubernetes) or one-shot container (Docker) registers the same inputs, while
 * the nodes move to v24.3.6.
 */
import * as assert from "node:assert/strict";
import { StackConfig } from "../components/config";
import { GuardState, checkTransition, guardState } from "../components/guard";
import { Graph, evaluate, ofType, stackConfig, waitsFor } from "./support/evaluate";
import { crdbScaleIn } from "../labs/crdb/membership";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "steps-version-password" };
const APP = { app: { image: "clusterlab/sample-app:0.1.0" } };

/** The phase-2 stack at `version`, on `platform`. */
function phase2(version: string, platform: "kubernetes" | "docker"): StackConfig {
    return stackConfig("phase2", { ...RENDER, ...APP, platform, crdb: { version } });
}

/** One-shot steps of a graph by name: Kubernetes Jobs, or Docker containers labelled as tasks (minus load generators). */
function steps(graph: Graph, platform: "kubernetes" | "docker"): Map<string, Record<string, unknown>> {
    const found =
        platform === "kubernetes"
            ? ofType(graph, "kubernetes:batch/v1:Job")
            : ofType(graph, "docker:index/container:Container").filter((c) =>
                  (c.inputs.labels as { label: string; value: string }[]).some((l) => l.label === "clusterlab.task"),
              );
    return new Map(found.filter((r) => /^(crdb-init|backup-before-|sql-)/.test(r.name)).map((r) => [r.name, r.inputs]));
}

/** The nodes' image: the StatefulSet's (Kubernetes) or crdb-0's container image (Docker). */
function nodeImage(graph: Graph, platform: "kubernetes" | "docker"): string {
    if (platform === "kubernetes") {
        return ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.template.spec.containers[0]
            .image;
    }
    return ofType(graph, "docker:index/container:Container").find((c) => c.name === "crdb-0")!.inputs.image;
}

describe("CockroachDB steps stay done across a crdb.version bump", () => {
    for (const platform of ["kubernetes", "docker"] as const) {
        it(`${platform}: v24.3.5 → v24.3.6 keeps every Job's inputs; the nodes move; the outputs record both versions`, async () => {
            // Deployed once at phase 0 (so both backups are this stack's), then phases 1, 2 at v24.3.5.
            let previous: GuardState | undefined;
            for (const phase of [0, 1, 2]) {
                const config = stackConfig(`phase${phase}`, { ...RENDER, ...APP, platform, crdb: { version: "v24.3.5" } });
                previous = guardState(config, previous);
            }
            const before = await evaluate(phase2("v24.3.5", platform), "crdb-bump", previous);
            const bumped = phase2("v24.3.6", platform);
            const after = await evaluate(bumped, "crdb-bump", previous);
            const [a, b] = [steps(before, platform), steps(after, platform)];
            assert.ok(a.size >= 10, `${a.size} steps found: ${[...a.keys()].join(", ")}`);
            assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), "a step was added or removed by the bump");
            for (const [name, inputs] of a) assert.deepEqual(b.get(name), inputs, `${name} changed with crdb.version`);
            assert.match(JSON.stringify(a.get("crdb-init")), /cockroachdb[/-]cockroach[:-]v24\.3\.5/);
            assert.match(nodeImage(after, platform), /cockroachdb[/-]cockroach[:-]v24\.3\.6/);
            assert.equal(
                guardState(bumped, previous).memory?.stepsVersion,
                "v24.3.5",
                "the guard state does not carry the steps' version forward",
            );
            if (platform === "kubernetes") assert.deepEqual(checkTransition(previous, bumped), [], "a patch bump on Kubernetes is refused");
            console.log(`      ${a.size} steps unchanged; nodes on ${nodeImage(after, platform)}`);
        });
    }

    it("a stack recorded before the lab's memory existed keeps its steps at the version it ran (the old state's replacing[crdb.version])", async () => {
        // The shape guard states had before the model (af0ab21): counts, replacing, firstPhase.
        const legacy: GuardState = {
            lab: "crdb",
            counts: { "crdb.nodes": 3, phase: 2 },
            replacing: { "crdb.version": "v24.3.5" },
            firstPhase: 0,
        };
        const after = guardState(stackConfig("phase2", { ...RENDER, ...APP, crdb: { version: "v24.3.6" } }), legacy);
        assert.equal(after.memory?.stepsVersion, "v24.3.5");
    });
});

describe("CockroachDB scale-in as a lab step", () => {
    it("5 → 3 at phase 2: a decommission Job (crdb-4, then crdb-3, by advertise address) that the StatefulSet waits for; none without a scale-in", async () => {
        const five = stackConfig("phase2", { ...RENDER, ...APP, crdb: { nodes: 5 } });
        const three = stackConfig("phase2", { ...RENDER, ...APP, crdb: { nodes: 3, allowScaleIn: true } });
        const deployed = guardState(five, guardState(stackConfig("phase2", { ...RENDER, ...APP })));
        const graph = await evaluate(three, "crdb-shrink", deployed);
        const job = ofType(graph, "kubernetes:batch/v1:Job").find((j) => j.name === "crdb-decommission-5-to-3");
        assert.ok(
            job,
            `no decommission Job: ${ofType(graph, "kubernetes:batch/v1:Job")
                .map((j) => j.name)
                .join(", ")}`,
        );
        const script = job.inputs.spec.template.spec.containers[0].args[0] as string;
        const at = (re: RegExp) => script.search(re);
        assert.ok(
            at(/clusterlab-step 1\/4: decommission crdb-4/) >= 0 &&
                at(/clusterlab-step 1\/4/) < at(/clusterlab-step 3\/4: decommission crdb-3/),
            script,
        );
        assert.match(script, /\^\(\[0-9\]\+\),crdb-4\\\.crdb-peer\\\.[a-z0-9-]+\\\.svc\\\.cluster\\\.local:26257,/);
        assert.ok(
            waitsFor(graph, "kubernetes:apps/v1:StatefulSet::crdb", "kubernetes:batch/v1:Job::crdb-decommission-5-to-3"),
            "the StatefulSet does not wait for the decommission",
        );
        assert.equal(ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "crdb")!.inputs.spec.replicas, 3);
        const steady = await evaluate(three, "crdb-shrink", guardState(three, deployed));
        assert.equal(ofType(steady, "kubernetes:batch/v1:Job").filter((j) => j.name.startsWith("crdb-decommission")).length, 0);
        assert.throws(() => crdbScaleIn(target(), 5, 2, 3), /below the replication factor/);
    });
});

function target() {
    return { cockroach: "cockroach", security: "--insecure", host: "h:26257", advertiseAddress: (i: number) => `crdb-${i}:26257` };
}
