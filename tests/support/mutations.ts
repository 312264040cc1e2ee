/**
 * One-key mutations of a stack config, generated from the zod schema (no hand-kept list):
 * each other enum value, both ends of an integer range, a boolean flip, a changed or newly
 * set string. And the replacement oracle: which stateful resources two registered graphs
 * say would be replaced or removed. Together they check the guard against what the program
 * renders (tests/guard-derived.slow.ts).
 */
import { z } from "zod";
import { StackConfig, fieldsOf, unwrap, valueAt } from "../../components/config";
import { statefulTypes } from "../../components/platform/registry";
import { labDefinition } from "../../labs";
import { Graph, waitsFor } from "./evaluate";
import { changedPaths } from "./phase-diff";

/** One mutation: set `path` to `value` in the user's config. */
export interface Mutation {
    path: string;
    value: unknown;
}

/** Values tried for a string key that is unset or whose value cannot simply be extended. */
const SAMPLE_STRINGS = ["registry.local/sample:1.0.0", "sample", "/tmp/clusterlab-render", "sample-password-1"];

/** Keys not mutated, with why: a record of free-form names, and secrets (no stateful input). */
const NOT_MUTATED: Record<string, string> = {
    failpoints: "a record of failpoint terms: only the scenario task reads it",
    lab: "another lab is refused outright (checkTransition's first rule)",
};

interface Def {
    type: string;
    values?: unknown[];
    options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
    return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The candidate values for one leaf schema, given its current value. */
function candidates(schema: z.ZodType, current: unknown): unknown[] {
    const inner = unwrap(schema);
    const def = defOf(inner);
    switch (def.type) {
        case "boolean":
            return [current !== true];
        case "enum":
            return (inner as z.ZodEnum).options.filter((v) => v !== current);
        case "literal":
            return (def.values ?? []).filter((v) => v !== current);
        case "union":
            return (def.options ?? []).flatMap((o) => defOf(o).values ?? []).filter((v) => v !== current);
        case "number": {
            const n = inner as z.ZodNumber;
            return [n.minValue, n.maxValue].filter((v): v is number => Number.isFinite(v) && v !== current);
        }
        case "string": {
            // A string whose schema lists its choices (the registered platforms).
            const choices = (z.globalRegistry.get(inner) as { choices?: () => string[] } | undefined)?.choices;
            if (choices) return choices().filter((v) => v !== current);
            return [...(typeof current === "string" ? [`${current}1`, `${current}.1`] : []), ...SAMPLE_STRINGS];
        }
        default:
            return [];
    }
}

/**
 * Every one-key mutation of `config` (a parsed config, so every default is visible) that still
 * parses. For a string, the first candidate that parses is used.
 * @param parses whether a raw config with the mutation applied parses.
 */
export function mutationsOf(
    config: StackConfig,
    parses: (m: Mutation) => boolean,
): { mutations: Mutation[]; refusedByValidation: Mutation[] } {
    const mutations: Mutation[] = [];
    const refusedByValidation: Mutation[] = [];
    const lab = labDefinition(config.lab)!.schema;
    const walk = (fields: Record<string, z.ZodType>, prefix: string) => {
        for (const [key, schema] of Object.entries(fields)) {
            const path = prefix ? `${prefix}.${key}` : key;
            if (NOT_MUTATED[path]) continue;
            const nested = fieldsOf(schema);
            if (nested) {
                walk(nested, path);
                continue;
            }
            const current = valueAt(config, path);
            const isString = defOf(unwrap(schema)).type === "string";
            for (const value of candidates(schema, current)) {
                const m = { path, value };
                if (parses(m)) {
                    mutations.push(m);
                    if (isString) break;
                } else if (!isString) refusedByValidation.push(m);
            }
        }
    };
    walk(fieldsOf(lab)!, "");
    return { mutations, refusedByValidation };
}

/** `raw` with `path` set to `value` (objects copied, not changed). */
export function withValue(raw: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
    const [head, ...rest] = path.split(".");
    if (!rest.length) return { ...raw, [head]: value };
    const inner = (raw[head] && typeof raw[head] === "object" ? raw[head] : {}) as Record<string, unknown>;
    return { ...raw, [head]: withValue(inner, rest.join("."), value) };
}

// ---- the oracle ---------------------------------------------------------------------------------

/**
 * Input paths whose change makes the provider replace the resource, per type: what each platform
 * says (`PlatformTraits.statefulTypes`; e.g. the Kubernetes API refuses to update a StatefulSet's
 * spec beyond replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy
 * and minReadySeconds; a Docker volume has no updatable input), the knowledge the guard uses too.
 * A Docker container is judged by its group below (one container recreated alone keeps quorum).
 */
const CONTAINER = "docker:index/container:Container";
const REPLACE_FORCING: Record<string, RegExp> = Object.fromEntries(Object.entries(statefulTypes()).filter(([type]) => type !== CONTAINER));

/**
 * Monitoring (Prometheus, Grafana) holds no lab data: its containers are recreated on retained
 * volumes, and switching it off leaves those volumes (Docker `retainOnDelete`) or PVCs
 * (StatefulSet `persistentVolumeClaimRetentionPolicy: Retain`).
 */
const MONITORING = new Set(["prometheus", "grafana"]);
const MONITORING_NAME = /^(prometheus|grafana)(-|$)/;

function componentOf(inputs: Record<string, any>): string | undefined {
    const labels: { label: string; value: string }[] = inputs.labels ?? [];
    return labels.find((l) => l.label === "app.kubernetes.io/component")?.value;
}

function groupOf(inputs: Record<string, any>): string | undefined {
    const labels: { label: string; value: string }[] = inputs.labels ?? [];
    return labels.find((l) => l.label === "app.kubernetes.io/name")?.value;
}

/**
 * What moving from the graph `before` to `after` does to stateful resources, one line each:
 * deleted, replaced (a replace-forcing input changed), scaled in (a StatefulSet's replicas go
 * down), or — on Docker, where any input change recreates a container — every member of a
 * data-holding group recreated at once (quorum lost while they restart); members the graph
 * orders one after another (each waits for the one before) are a roll, not a loss.
 */
export function statefulChanges(before: Graph, after: Graph): string[] {
    const out: string[] = [];
    const dataGroups = new Map<string, { members: number; changed: string[] }>();
    for (const [key, old] of before.resources) {
        const cur = after.resources.get(key);
        const isDataContainer =
            old.type === CONTAINER && (old.inputs.volumes ?? []).length > 0 && !MONITORING.has(componentOf(old.inputs) ?? "");
        const stateful = isDataContainer || (old.type in REPLACE_FORCING && !MONITORING_NAME.test(old.name));
        if (!stateful) continue;
        if (!cur) {
            out.push(`${key}: deleted`);
            continue;
        }
        const changed = changedPaths(old.inputs, cur.inputs);
        if (isDataContainer) {
            const group = groupOf(old.inputs) ?? key;
            const g = dataGroups.get(group) ?? { members: 0, changed: [] };
            g.members++;
            if (changed.length) g.changed.push(key);
            dataGroups.set(group, g);
            continue;
        }
        const forcing = changed.filter((p) => REPLACE_FORCING[old.type].test(p));
        if (forcing.length) out.push(`${key}: replaced (${forcing.join(", ")})`);
        if (old.type === "kubernetes:apps/v1:StatefulSet" && (cur.inputs.spec?.replicas ?? 1) < (old.inputs.spec?.replicas ?? 1)) {
            out.push(`${key}: replicas ${old.inputs.spec.replicas} → ${cur.inputs.spec.replicas}`);
        }
    }
    for (const [group, g] of dataGroups) {
        // One at a time when the graph orders every two recreated members (one waits for the other, as a lab's roll steps chain them).
        const ordered = g.changed.every((a, i) => g.changed.slice(i + 1).every((b) => waitsFor(after, a, b) || waitsFor(after, b, a)));
        if (g.changed.length === g.members && !(ordered && g.members > 1))
            out.push(`docker group ${group}: all ${g.members} member containers recreated at once`);
    }
    return out;
}
