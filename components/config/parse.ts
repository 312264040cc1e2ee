/**
 * The whole stack config of a clusterlab stack: every registered lab's schema (labs/index.ts)
 * composed into one zod union on `lab`, parsed once by {@link parseStackConfig}.
 *
 * The schemas are the single source of truth for what a stack may say and for every default:
 * components never read `pulumi.Config`, `index.ts` parses once and hands the typed result down.
 * Keys live in the `clusterlab:` namespace of `Pulumi.<stack>.yaml`, e.g. `clusterlab:lab: tikv`
 * and `clusterlab:pd: { members: 5 }`.
 */
import { z } from "zod";
import { LAB_DEFINITIONS, allLabs } from "../../labs";
import { observabilityProblems } from "./checks";
import { PROJECT } from "./common";
import { ConfigError, describe, nearest, enumHint, ourWords, unknownKey } from "./errors";
import { HostPortKey, SHARED_HOST_PORTS, hostPortProblems } from "./ports";
import { fieldsOf, keysAt, unwrap, valueAt } from "./schema";

/** Parsed config of any stack (every default filled in); narrow on `lab`. */
export type StackConfig = z.infer<(typeof LAB_DEFINITIONS)[number]["schema"]>;

/** Every registered lab name, from the registry (labs/index.ts). */
export const LABS: readonly string[] = LAB_DEFINITIONS.map((l) => l.name);

/** Every host port key of every registered lab, the shared ones first (each lab lists its own beside its schema). */
export const HOST_PORT_KEYS: readonly HostPortKey[] = [...SHARED_HOST_PORTS, ...LAB_DEFINITIONS.flatMap((l) => l.hostPorts)];

/** The union of every lab's schema on `lab` (registered labs and those a test added), rebuilt when a lab is added. */
let schemaCache: { labs: readonly unknown[]; schema: z.ZodType } | undefined;
function stackSchema(): z.ZodType {
    const labs = allLabs();
    if (schemaCache?.labs.length !== labs.length || labs.some((l, i) => schemaCache!.labs[i] !== l)) {
        const options = labs.map((l) => l.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
        const names = labs.map((l) => JSON.stringify(l.name));
        schemaCache = {
            labs,
            schema: z.discriminatedUnion("lab", options as never, {
                error: `expected lab to be ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`,
            }),
        };
    }
    return schemaCache.schema;
}

/** The lab schemas whose `lab` matches, or every lab's when `lab` is not a known lab. */
function labSchemas(lab: unknown): z.ZodType[] {
    const match = allLabs().filter((l) => l.name === lab);
    return (match.length ? match : allLabs()).map((l) => l.schema);
}

/** Top-level keys whose schema is a string (or a string enum/literal), in any lab. */
function stringKeys(): Set<string> {
    const out = new Set<string>();
    for (const lab of allLabs()) {
        for (const [key, field] of Object.entries(fieldsOf(lab.schema) ?? {})) {
            const def = (unwrap(field) as unknown as { _zod: { def: { type: string; values?: unknown[] } } })._zod.def;
            if (def.type === "string" || (["enum", "literal"].includes(def.type) && (def.values ?? []).every((v) => typeof v === "string")))
                out.add(key);
        }
    }
    return out;
}

/**
 * Rules that span keys: host ports (the shared ones and the lab's), observability, then the
 * lab's own cross-checks. `raw` is what the user wrote (before defaults), so a message names
 * the key the user set rather than one they never touched.
 */
function crossChecks(config: StackConfig, raw: Record<string, unknown>): string[] {
    const lab = allLabs().find((l) => l.name === config.lab)!;
    const userSet = (path: string) => valueAt(raw, path) !== undefined;
    return [
        ...hostPortProblems(config, [...SHARED_HOST_PORTS, ...lab.hostPorts]),
        ...(lab.crossChecks?.(config as never, userSet) ?? []),
        ...observabilityProblems(config.observability),
    ];
}

/**
 * Turns Pulumi's raw config map into plain values: drops the `clusterlab:` prefix, ignores
 * other namespaces (`kubernetes:context`, …), and JSON-decodes object, number and boolean
 * values (the engine passes structured config as JSON strings). Keys whose schema is a string
 * keep their text: `version: "8.5"` stays the tag `8.5`, not the number 8.5.
 *
 * @param raw keys as `pulumi.runtime.allConfig()` returns them, or as a `Pulumi.<stack>.yaml`'s `config:` holds them.
 */
export function stripNamespace(raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const strings = stringKeys();
    for (const [key, value] of Object.entries(raw)) {
        const [ns, ...rest] = key.includes(":") ? key.split(":") : [PROJECT, key];
        if (ns !== PROJECT) continue;
        const name = rest.join(":");
        out[name] = SECRET_KEYS.has(name) || strings.has(name) ? value : decode(value);
    }
    return out;
}

/** Keys whose values are secrets: never decoded, never echoed in an error. */
const SECRET_KEYS = new Set(["grafanaAdminPassword"]);

function decode(value: unknown): unknown {
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    if (/^[{[]/.test(trimmed) || /^(true|false|-?[0-9]+(\.[0-9]+)?)$/.test(trimmed)) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return value;
        }
    }
    return value;
}

/** Unknown top-level keys when `lab` is missing or unknown (zod stops at the discriminator). */
function unknownTopLevel(values: Record<string, unknown>): string[] {
    const allowed = keysAt(labSchemas(values.lab), []) ?? [];
    return Object.keys(values)
        .filter((k) => !allowed.includes(k))
        .map((k) => unknownKey([], k, allowed, values[k]));
}

/**
 * Parses a whole stack config. Nested settings use `.prefault({})`: an absent block is parsed
 * as `{}`, so every default is stated once, on its field.
 *
 * @param raw config values, with or without the `clusterlab:` prefix (see {@link stripNamespace}).
 * @returns the typed config with every default filled in.
 * @throws ConfigError listing each mistake as `key.path: what is allowed, got <value>`; unknown
 *   keys as `key: unknown key; did you mean …? Keys …: …`.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    const values = stripNamespace(raw);
    const labs = allLabs().map((l) => l.name);
    if (!labs.includes(values.lab as string)) {
        const given = describe(values.lab);
        const guess = typeof values.lab === "string" ? nearest(values.lab, labs) : undefined;
        throw new ConfigError([
            ...unknownTopLevel(values),
            `lab: expected one of ${labs.map((l) => JSON.stringify(l)).join(", ")} (pulumi config set lab ${labs[0]})${guess ? `; did you mean ${JSON.stringify(guess)}?` : ""}, got ${given}`,
        ]);
    }
    const result = stackSchema().safeParse(values, { error: ourWords });
    if (result.success) {
        const problems = crossChecks(result.data as StackConfig, values);
        if (problems.length) throw new ConfigError(problems);
        return result.data as StackConfig;
    }
    const schemas = labSchemas(values.lab);
    const problems = result.error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            const allowed = keysAt(schemas, issue.path) ?? [];
            return issue.keys.map((k) => unknownKey(issue.path, k, allowed, valueAt(values, [...issue.path, k])));
        }
        const path = issue.path.length ? issue.path.join(".") : "(stack)";
        const value = valueAt(values, issue.path);
        const given = SECRET_KEYS.has(String(issue.path[0])) ? "a secret (not shown)" : describe(value);
        return [`${path}: ${issue.message}${enumHint(issue, value)}, got ${given}`];
    });
    throw new ConfigError(problems);
}
