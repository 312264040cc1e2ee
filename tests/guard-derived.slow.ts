/**
 * The guard against the graph: for every ready-made stack (and any a lab adds), every one-key
 * mutation the schema allows (each enum value, both range ends, a boolean flip, a changed
 * string) is evaluated under mocks, and the guard must refuse exactly the mutations whose
 * graph replaces or removes a stateful resource (tests/support/mutations.ts `statefulChanges`).
 * A rule missing from components/guard.ts (the `etcd.failpointPort` gap) fails here, and so
 * does a rule that refuses a harmless change.
 */
import * as assert from "node:assert/strict";
import { ConfigError, StackConfig, parseStackConfig, stripNamespace } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { Graph, evaluate, stackFiles } from "./support/evaluate";
import { Mutation, mutationsOf, statefulChanges, withValue } from "./support/mutations";

/**
 * Refusals that no graph shows, each with its reason: the guard refuses them on purpose.
 * Keyed by config path; `when` tells which mutations of that path.
 */
const DOMAIN_RULES: { path: string; when: (before: unknown, after: unknown) => boolean; reason: string }[] = [
    {
        path: "phase",
        when: (before, after) => (after as number) < (before as number),
        reason: "a lower phase lowers the replication factor and leaves the later phases' SQL and backups behind",
    },
    {
        path: "etcd.peerProxies",
        when: (before, after) => before !== after,
        reason: "every member's advertised peer URL changes (its proxy's or its own), while the cluster's membership keeps the old URLs (etcdctl member update)",
    },
    {
        path: "crdb.secure",
        when: (before, after) => before !== after,
        reason: "switching secure mode changes every node's flags and every client's connection (TLS, client certificates) at once",
    },
];

/** Whether the base config with this mutation parses (validation refusals are not the guard's). */
function parsesWith(raw: Record<string, unknown>, m: Mutation): StackConfig | undefined {
    try {
        return parseStackConfig(withValue(raw, m.path, m.value));
    } catch (err) {
        if (err instanceof ConfigError) return undefined;
        throw err;
    }
}

/** The stack's own config, then the same with each unset optional key set (one at a time). */
function basesOf(stack: string, file: Record<string, unknown>): { label: string; raw: Record<string, unknown> }[] {
    // A fixed password: a generated one is a resource of its own and not what this checks.
    const raw = { ...stripNamespace(file), grafanaAdminPassword: "guard-test-password" };
    const config = parseStackConfig(raw);
    const optional = mutationsOf(config, (m) => parsesWith(raw, m) !== undefined).mutations.filter(
        (m) => pathValue(config, m.path) === undefined,
    );
    return [
        { label: `Pulumi.${stack}.yaml`, raw },
        ...optional.map((m) => ({
            label: `Pulumi.${stack}.yaml + ${m.path}: ${JSON.stringify(m.value)}`,
            raw: withValue(raw, m.path, m.value),
        })),
    ];
}

describe("the guard refuses exactly what replaces or removes stateful resources", function () {
    this.timeout(600_000);
    const total = { refused: 0, mutations: 0, bases: 0 };
    after(() => console.log(`guard refusals: ${total.refused} of ${total.mutations} one-key mutations over ${total.bases} bases`));
    for (const [stack, file] of stackFiles()) {
        for (const { label, raw } of basesOf(stack, file)) {
            it(`${label}: every one-key mutation`, async () => {
                const base = parseStackConfig(raw);
                const deployed = guardState(base);
                const baseGraph: Graph = await evaluate(base, stack, deployed);
                const { mutations } = mutationsOf(base, (m) => parsesWith(raw, m) !== undefined);
                assert.ok(mutations.length >= 10, `only ${mutations.length} mutations of ${label}`);
                const wrong: string[] = [];
                let refused = 0;
                for (const m of mutations) {
                    const next = parsesWith(raw, m)!;
                    const graph = await evaluate(next, stack, deployed);
                    const changes = statefulChanges(baseGraph, graph);
                    const domain = DOMAIN_RULES.find((r) => r.path === m.path && r.when(pathValue(base, m.path), m.value));
                    const expected = changes.length > 0 || domain !== undefined;
                    const problems = checkTransition(deployed, next);
                    if (problems.length) refused++;
                    if (expected !== problems.length > 0) {
                        const shown = changes.slice(0, 3).join("; ") + (changes.length > 3 ? ` … (${changes.length})` : "");
                        wrong.push(
                            `${m.path} → ${JSON.stringify(m.value)}: guard ${problems.length ? `refuses (${problems.join("; ")})` : "allows"}, graph ${
                                changes.length ? `shows ${shown}` : "shows nothing stateful replaced or removed"
                            }`,
                        );
                    }
                }
                Object.assign(total, {
                    refused: total.refused + refused,
                    mutations: total.mutations + mutations.length,
                    bases: total.bases + 1,
                });
                console.log(`      ${label}: ${refused} of ${mutations.length} refused`);
                assert.deepEqual(
                    wrong,
                    [],
                    `${label}: ${wrong.length} of ${mutations.length} mutations judged wrongly:\n${wrong.join("\n")}`,
                );
                // The check can fail: some mutations of every base must be refused and some allowed.
                assert.ok(refused > 0 && refused < mutations.length, `${label}: ${refused} of ${mutations.length} refused`);
            });
        }
    }
});

function pathValue(config: StackConfig, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined), config);
}
