/**
 * Every Kubernetes object the labs render, validated against the Kubernetes OpenAPI schemas
 * (kubernetes-models, generated from the upstream API definitions): field types, required
 * fields and enums. It does not catch unknown fields (the upstream schemas allow them).
 */
import * as assert from "node:assert/strict";
import { evaluate, stackConfig } from "./support/evaluate";

const K8S = {
    platform: "kubernetes",
    kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" },
    grafanaAdminPassword: "schema-test",
};

/** `kubernetes:apps/v1:StatefulSet` → `kubernetes-models/apps/v1/StatefulSet` (the core group is plain `v1`). */
function modelPath(type: string): { module: string; apiVersion: string; kind: string } {
    const [, groupVersion, kind] = type.split(":");
    const [group, version] = groupVersion.split("/");
    return {
        module: group === "core" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`,
        apiVersion: group === "core" ? version : `${group}/${version}`,
        kind,
    };
}

/** Pulumi's wire marker for a secret value (sdk/nodejs/runtime/rpc.ts `specialSigKey`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Mocks hand secrets over as `{ <sig>: <secret sig>, value }`; the API server would see the value. */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SIG_KEY in record && "value" in record) return unwrapSecrets(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

const CASES: [string, Record<string, unknown>][] = [
    ["phase0", K8S],
    ["phase1", K8S],
    ["phase2", K8S],
    ["dev", { ...K8S, load: { image: "registry.local/go-ycsb:1.0.1" }, pd: { members: 5 } }],
    [
        "etcd",
        {
            ...K8S,
            load: { image: "registry.local/etcd-benchmark:3.5.17" },
            scenario: "fsync-delay",
            etcd: { failpointImage: "registry.local/etcd-failpoints:v3.5.17" },
        },
    ],
];

describe("Kubernetes objects against the API schemas", () => {
    for (const [stack, overrides] of CASES) {
        it(`${stack} on Kubernetes renders only schema-valid objects`, async () => {
            const graph = await evaluate(stackConfig(stack, overrides), stack);
            const objects = [...graph.resources.values()].filter(
                (r) =>
                    r.type.startsWith("kubernetes:") &&
                    !r.type.startsWith("kubernetes:index") &&
                    r.custom &&
                    !r.type.startsWith("pulumi:providers"),
            );
            assert.ok(objects.length > 5, `${stack}: only ${objects.length} Kubernetes objects`);
            const problems: string[] = [];
            for (const object of objects) {
                const { module, apiVersion, kind } = modelPath(object.type);
                const models = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
                const Model = models[kind];
                assert.ok(Model, `no schema for ${object.type}`);
                try {
                    new Model({ ...(unwrapSecrets(JSON.parse(JSON.stringify(object.inputs))) as object), apiVersion, kind }).validate();
                } catch (err) {
                    problems.push(`${object.type} ${object.name}: ${(err as Error).message}`);
                }
            }
            assert.deepEqual(problems, []);
        });
    }

    it("the schema check can fail: a string replica count is refused", async () => {
        const { StatefulSet } = await import("kubernetes-models/apps/v1/StatefulSet");
        const bad = new StatefulSet({
            metadata: { name: "x" },
            spec: {
                selector: {},
                serviceName: "x",
                replicas: "3" as unknown as number,
                template: { spec: { containers: [{ name: "c", image: "i" }] } },
            },
        });
        assert.throws(() => bad.validate(), /replicas must be integer/);
    });
});
