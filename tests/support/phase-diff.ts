/**
 * The phase-diff check: evaluates consecutive configs of one stack under mocks and
 * proves a transition is additive. Every resource present in both graphs must keep its
 * inputs, except paths an explicit allow rule names; a resource that disappears is a
 * violation. New resources are fine. Labs declare their transitions and allow lists in
 * their tests; this file knows no lab.
 */
import { isDeepStrictEqual } from "node:util";
import { StackConfig } from "../../components/config";
import { GuardState, guardState } from "../../components/guard";
import { Graph, evaluate } from "./evaluate";

/** Permission for a resource's inputs to change across a transition. */
export interface AllowRule {
    /** Resource type token, e.g. `kubernetes:apps/v1:StatefulSet`. */
    type: string;
    /** Resource name pattern; default: any. */
    name?: RegExp;
    /** Input paths that may change (`spec.replicas`, `uploads[0].content`); matched against each changed leaf. */
    paths: RegExp[];
    /** Why this change is safe; shown in reports. */
    reason: string;
}

/**
 * What Observability may change in any transition that adds scrape targets: Prometheus's
 * config (on Docker an upload, so the stateless container is recreated and its TSDB volume
 * stays; on Kubernetes a ConfigMap under a new content-hashed name — the provider replaces a
 * ConfigMap whose data changes, and a new name makes that create-before-delete — and the pod
 * template that mounts it by that name, which rolls the pod onto it). Nothing stateful.
 */
export const PROMETHEUS_TARGETS_ALLOWED: AllowRule[] = [
    { type: "docker:index/container:Container", name: /^prometheus-0$/, paths: [/^uploads\[0\]\.content$/], reason: "new scrape targets" },
    {
        type: "kubernetes:core/v1:ConfigMap",
        name: /^prometheus-files$/,
        paths: [/^data\./, /^metadata\.name$/],
        reason: "new scrape targets in a ConfigMap replaced by a new name (create-before-delete; stateless)",
    },
    {
        type: "kubernetes:apps/v1:StatefulSet",
        name: /^prometheus$/,
        paths: [/annotations\.clusterlab\.dev\/config-hash$/, /^spec\.template\.spec\.volumes\[\d+\]\.configMap\.name$/],
        reason: "rolls Prometheus onto the new config",
    },
];

/** ConfigMap type token: the provider replaces one whose `data` changes (pulumi-kubernetes `provider.go`, ConfigMaps immutable by default). */
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** One refused difference. */
export interface Violation {
    /** `<type>::<name>`. */
    resource: string;
    kind: "deleted" | "changed";
    /** Changed input paths not covered by an allow rule (empty for deletions). */
    paths: string[];
}

/** Leaf paths where two input trees differ, e.g. `command[2]`, `spec.template.spec.containers[0].args[1]`. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (isDeepStrictEqual(a, b)) return [];
    const bothObjects = a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
    if (!bothObjects) return [prefix || "(root)"];
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    const out: string[] = [];
    for (const key of keys) {
        const path = Array.isArray(a) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
        out.push(...changedPaths((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path));
    }
    return out;
}

/**
 * Compares two graphs of the same stack.
 * @returns violations, empty when `after` only adds resources or changes allowed paths.
 */
export function diffGraphs(before: Graph, after: Graph, allow: AllowRule[]): Violation[] {
    const violations: Violation[] = [];
    for (const [key, old] of before.resources) {
        const cur = after.resources.get(key);
        if (!cur) {
            violations.push({ resource: key, kind: "deleted", paths: [] });
            continue;
        }
        const rules = allow.filter((r) => r.type === old.type && (!r.name || r.name.test(old.name)));
        const changed = changedPaths(old.inputs, cur.inputs);
        const refused = changed.filter((p) => !rules.some((r) => r.paths.some((re) => re.test(p))));
        // A ConfigMap whose data changes under the same name is deleted, then re-created: pods
        // mounting it meanwhile see nothing. Whatever the allow rules say, the name must change.
        if (old.type === CONFIG_MAP && changed.some((p) => /^(binaryD|d)ata\./.test(p)) && !changed.includes("metadata.name")) {
            refused.push("data changed under the same metadata.name (delete-then-create)");
        }
        if (refused.length) violations.push({ resource: key, kind: "changed", paths: refused });
    }
    return violations;
}

/** The result of one declared transition. */
export interface TransitionReport {
    from: string;
    to: string;
    violations: Violation[];
    added: string[];
}

/**
 * Evaluates each config in order on one stack name and diffs each consecutive pair.
 * @param phases `[name, config]` in order, e.g. `[["phase0", c0], ["phase1", c1]]`.
 */
export async function checkPhases(stack: string, phases: [string, StackConfig][], allow: AllowRule[]): Promise<TransitionReport[]> {
    const reports: TransitionReport[] = [];
    let previous: [string, Graph] | undefined;
    // Each step sees the guard state the step before it deployed, as `pulumi up` would.
    let deployed: GuardState | undefined;
    for (const [name, config] of phases) {
        const graph = await evaluate(config, stack, deployed);
        deployed = guardState(config, deployed);
        if (previous) {
            reports.push({
                from: previous[0],
                to: name,
                violations: diffGraphs(previous[1], graph, allow),
                added: [...graph.resources.keys()].filter((k) => !previous![1].resources.has(k)),
            });
        }
        previous = [name, graph];
    }
    return reports;
}

/** A readable summary of violations for assertion messages. */
export function describeViolations(reports: TransitionReport[]): string {
    return reports
        .flatMap((r) =>
            r.violations.map((v) => `${r.from} → ${r.to}: ${v.kind} ${v.resource}${v.paths.length ? ` (${v.paths.join(", ")})` : ""}`),
        )
        .join("\n");
}
