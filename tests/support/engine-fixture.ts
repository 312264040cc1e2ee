/**
 * The engine fixtures' format (tests/fixtures/engine/*.json): what the real engine did on each
 * run of a tier stack, reduced to what a review can read and a test can recompute — the config
 * of the run and the resources per change (`type::name`), or the refusal it printed.
 * Written by the engine tier (`npm run engine:record`), read by tests/engine-fixtures.test.ts.
 */

/** The changes of one run, each a sorted list of `type::name` keys. */
export interface RecordedChanges {
    create: string[];
    update: string[];
    /** Replaced resources (the engine's replace / create-replacement / delete-replaced steps, once each). */
    replace: string[];
    delete: string[];
    /** How many resources the engine left as they were. */
    same: number;
}

/** One run in a fixture. */
export interface RecordedRun {
    label: string;
    /** The runner command (`up` or `preview`). */
    command: string;
    /** The raw stack config (`clusterlab:`-prefixed keys), as the engine received it. */
    config: Record<string, unknown>;
    /** The result of the engine step (`ok`, `refused`, `failed`). */
    result: string;
    changes: RecordedChanges;
    /** Error lines the engine printed (a refusal's message), machine paths removed. */
    printed: string[];
}

/** A fixture file. */
export interface EngineFixture {
    /** `pulumi version` and the kubernetes provider version. */
    engine: string;
    /**
     * The stack the runs were recorded on, when names derive from it (the etcd lab's cluster
     * token, hence its step Jobs' names); the mocks then evaluate under it. Absent: any name.
     */
    stack?: string;
    runs: RecordedRun[];
}

/** Types left out of a plan: the stack itself, providers, and the guard's read of the previous deployment. */
export function inPlan(type: string): boolean {
    return type !== "pulumi:pulumi:Stack" && type !== "pulumi:pulumi:StackReference" && !type.startsWith("pulumi:providers:");
}

/** `type::name` of a URN (`urn:pulumi:S::P::parent$type::name`). */
export function keyOfUrn(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()}::${parts.slice(3).join("::")}`;
}

const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced"];

/** Reduces engine steps (`{ op, urn }`) to {@link RecordedChanges}. */
export function changesOf(steps: readonly { op: string; urn: string }[]): RecordedChanges {
    const out: RecordedChanges = { create: [], update: [], replace: [], delete: [], same: 0 };
    for (const s of steps) {
        const key = keyOfUrn(s.urn);
        if (!inPlan(key.split("::")[0])) continue;
        if (s.op === "same") out.same++;
        else if (REPLACE_OPS.includes(s.op)) out.replace.push(key);
        else if (s.op === "create" || s.op === "update" || s.op === "delete") out[s.op].push(key);
    }
    for (const k of ["create", "update", "replace", "delete"] as const) out[k] = [...new Set(out[k])].sort();
    return out;
}
