/**
 * Child process of the engine bench (scripts/bench/engine.ts): evaluates a stack config under
 * mocks (tests/support/evaluate.ts) and writes the Kubernetes objects it registers — type, name
 * and resolved inputs — as JSON, with the namespace renamed, for the floor program to replay.
 * A separate process because mocks replace the Pulumi runtime's global state, which the
 * engine's inline program in the bench's own process needs.
 *
 *   ts-node --transpile-only scripts/bench/floor-resources.ts CONFIG_JSON OUT_FILE FROM_NS TO_NS
 * CONFIG_JSON: `{ "stackFile": "phase1", "overrides": {…} }`.
 */
import { writeFileSync } from "node:fs";
import { evaluate, stackConfig } from "../../tests/support/evaluate";

/** One object for the floor program: a custom resource of a `kubernetes:` type. */
export interface FloorResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

async function main(): Promise<void> {
    const [configJson, out, fromNs, toNs] = process.argv.slice(2);
    if (!configJson || !out || !fromNs || !toNs) throw new Error("usage: floor-resources.ts CONFIG_JSON OUT_FILE FROM_NS TO_NS");
    const { stackFile, overrides } = JSON.parse(configJson) as { stackFile: string; overrides: Record<string, unknown> };
    const graph = await evaluate(stackConfig(stackFile, overrides), "bench");
    const list: FloorResource[] = [...graph.resources.values()]
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    // Every mention of the namespace (metadata, DNS names in args) moves to the floor's own.
    writeFileSync(out, JSON.stringify(list).replaceAll(fromNs, toNs));
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
