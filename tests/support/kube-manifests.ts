/**
 * Turns the Kubernetes resources a mock-evaluated program registered into the manifests the
 * provider would send, grouped in the order the engine would create them (`dependsOn` first).
 *
 * apiVersion/kind come from the type token (`kubernetes:apps/v1:StatefulSet` → `apps/v1`,
 * `StatefulSet`; the `core` group is the legacy group written as plain `v1`: Kubernetes API
 * conventions, "API groups"). Secret values registered under mocks arrive wrapped in Pulumi's
 * secret envelope and are unwrapped; mock placeholder values (the mocked RandomPassword) stay.
 */
import { Graph, RegisteredResource, keyOf } from "./evaluate";

/** Pulumi's wire marker for a secret value (@pulumi/pulumi runtime/rpc.ts `specialSigKey`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** One object to apply, with what it waits for. */
export interface Manifest {
    /** Graph key `<type>::<pulumi name>`. */
    key: string;
    type: string;
    /** The object as the API server receives it. */
    object: {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
        [k: string]: unknown;
    };
    /** Graph keys of the Kubernetes objects it must wait for. */
    dependsOn: string[];
}

/** `kubernetes:apps/v1:StatefulSet` → `{ apiVersion: "apps/v1", kind: "StatefulSet" }`; undefined for non-object types. */
export function apiTypeOf(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
    if (!m || m[1] === "index") return undefined;
    const [group, version] = m[1].split("/");
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: m[2] };
}

/** Removes Pulumi's secret envelopes and `undefined` members (what JSON serialization does). */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SIG_KEY in record && "value" in record) return unwrapSecrets(record.value);
        return Object.fromEntries(
            Object.entries(record)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, unwrapSecrets(v)]),
        );
    }
    return value;
}

function toManifest(r: RegisteredResource, graph: Graph, objectKeys: Set<string>): Manifest {
    const api = apiTypeOf(r.type)!;
    const inputs = unwrapSecrets(JSON.parse(JSON.stringify(r.inputs))) as Manifest["object"];
    if (inputs.apiVersion && inputs.apiVersion !== api.apiVersion)
        throw new Error(`${r.type} ${r.name}: inputs say apiVersion ${inputs.apiVersion}`);
    if (!inputs.metadata?.name) throw new Error(`${r.type} ${r.name}: no metadata.name (auto-naming is not emulated here)`);
    const key = keyOf(r);
    return {
        key,
        type: r.type,
        object: { ...inputs, apiVersion: api.apiVersion, kind: api.kind },
        dependsOn: (graph.dependsOn.get(key) ?? []).filter((d) => objectKeys.has(d)),
    };
}

/**
 * The graph's Kubernetes objects in creation waves: wave N holds objects whose `dependsOn`
 * all lie in earlier waves (Kahn's algorithm). Providers, components and other packages'
 * resources are left out.
 * @throws Error on a dependency cycle or an object without `metadata.name`.
 */
export function manifestWaves(graph: Graph): Manifest[][] {
    const objects = [...graph.resources.values()].filter((r) => r.custom && apiTypeOf(r.type));
    const keys = new Set(objects.map(keyOf));
    const pending = new Map(objects.map((r) => [keyOf(r), toManifest(r, graph, keys)]));
    const done = new Set<string>();
    const waves: Manifest[][] = [];
    while (pending.size) {
        const wave = [...pending.values()].filter((m) => m.dependsOn.every((d) => done.has(d)));
        if (!wave.length) throw new Error(`dependency cycle among ${[...pending.keys()].join(", ")}`);
        for (const m of wave) {
            pending.delete(m.key);
            done.add(m.key);
        }
        waves.push(wave);
    }
    return waves;
}

/** `Kind/name` of a manifest, as kubectl names objects. */
export function objectRef(m: Manifest): string {
    return `${m.object.kind}/${m.object.metadata.name}`;
}
