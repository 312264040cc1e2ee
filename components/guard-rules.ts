/**
 * The guard's rule shapes (each lab states its own in labs/<lab>/index.ts) and the rules every
 * lab shares ({@link ANYWHERE}). Kept apart from components/guard.ts, which reads the registry.
 */
import type { PlatformKind } from "./config/common";

/** A count that must not go down, what going down removes, and the flag that permits it. */
export interface CountRule {
    path: string;
    removes: string;
    allow: string;
    /** A switch that, when false, counts as 0 members (the component is removed). */
    when?: string;
}

/**
 * A value whose change replaces stateful resources; `on` limits it to a platform; `when`
 * names a key that must be set for the value to reach any resource, `unless` one that
 * overrides it when set (either way an unused value is recorded as null).
 */
export interface ReplacingRule {
    path: string;
    on?: PlatformKind;
    when?: string;
    unless?: string;
}

/**
 * On Kubernetes: the provider pointed at another cluster or render directory replaces every
 * resource it manages (pulumi-kubernetes `provider/pkg/provider/provider.go`, `DiffConfig`); the
 * namespace and storage class are in every StatefulSet's name and volume claim templates, which
 * the API server refuses to update (kubernetes `pkg/apis/apps/validation/validation.go`). On
 * Docker these keys render nothing.
 */
export const ANYWHERE: ReplacingRule[] = [
    { path: "platform" },
    { path: "kubernetes.namespace", on: "kubernetes" },
    { path: "kubernetes.storageClassName", on: "kubernetes" },
    { path: "kubernetes.context", on: "kubernetes" },
    { path: "kubernetes.renderYamlToDirectory", on: "kubernetes" },
];

/** One switch: see a lab's `guard.switches`. */
/**
 * A switch: values whose change restarts every member with new flags and breaks every client
 * that does not change with them, though no data is lost. `absent` is what a deployment
 * recorded before the rule existed had (every CockroachDB stack before secure mode was insecure).
 */
export interface SwitchRule {
    path: string;
    absent: boolean;
    effect: string;
}
