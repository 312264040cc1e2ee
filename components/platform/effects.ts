/**
 * What a platform says about itself, for the guard (components/guard.ts), the test oracle
 * (tests/support/mutations.ts) and `npm run preview:safe`: per field of a member group, what
 * changing it does to the members on this platform, and what the platform can do.
 */

/**
 * The fields of a member group whose change a platform may act on:
 * - `image`: the image reference (and the architecture it is pulled for);
 * - `spec`: command, arguments, environment, files, container ports, probes;
 * - `hostPorts`: ports published on the host;
 * - `volumeSize`: the size of each member's data volume;
 * - `namespace`, `storageClass`, `cluster`: where the platform puts the group (a Kubernetes
 *   namespace, the class of its volume claims, the cluster or render directory).
 */
export type MemberGroupField = "image" | "spec" | "hostPorts" | "volumeSize" | "namespace" | "storageClass" | "cluster";

/** Every {@link MemberGroupField}, for iteration. */
export const MEMBER_GROUP_FIELDS: readonly MemberGroupField[] = [
    "image",
    "spec",
    "hostPorts",
    "volumeSize",
    "namespace",
    "storageClass",
    "cluster",
];

/**
 * What changing a field does to a group's members: nothing; rolls them one at a time (quorum
 * kept); replaces every member at once (quorum lost while they restart); replaces each
 * member's volume (its data is gone).
 */
export type FieldEffect = "none" | "rolls" | "replacesAll" | "replacesVolume";

/** Whether an effect loses data or quorum on a group that holds data. */
export function isDestructive(effect: FieldEffect): boolean {
    return effect === "replacesAll" || effect === "replacesVolume";
}

/** What a platform can do. */
export interface PlatformCapabilities {
    /** Build an image from a Dockerfile in this repository and run it (Docker can; Kubernetes cannot run a local build). */
    buildImages: boolean;
    /** Give a data volume a size (a Kubernetes PVC request; Docker volumes have none). */
    sizeVolumes: boolean;
    /**
     * Give mounted secret files to the container's group (Kubernetes: a pod's `fsGroup` owns its
     * Secret volumes' files). Without it files belong to root, and a non-root process can read a
     * key only if it is world-readable (Docker: the provider's uploads carry uid 0).
     */
    groupOwnedSecrets: boolean;
}

/**
 * Everything a platform says about itself besides materializing groups and tasks.
 * `placement` names the stack-config values the platform itself feeds into every group (its
 * namespace, storage class, cluster), by config path, so the guard can name the key a user changed.
 */
export interface PlatformTraits {
    effects: Record<MemberGroupField, FieldEffect>;
    capabilities: PlatformCapabilities;
    /** Config values this platform puts into every group's fields, by field, then by config path. */
    placement(config: PlatformConfig): Partial<Record<MemberGroupField, Record<string, unknown>>>;
    /**
     * The provider resource types that hold data on this platform, each with the input paths
     * whose change makes the provider replace it (a RegExp over dotted input paths). The test
     * oracle and preview:safe read these.
     */
    statefulTypes: Record<string, RegExp>;
}

/** The part of a stack config a platform reads (every lab has these keys: components/config/common.ts). */
export interface PlatformConfig {
    arch: string;
    kubernetes: { namespace: string; context?: string; renderYamlToDirectory?: string; storageClassName?: string };
}
