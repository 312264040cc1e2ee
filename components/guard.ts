/**
 * Refuses config changes that would remove members or replace stateful resources, unless
 * the config says so (`<component>.allowScaleIn`, `allowReplace`): scale-in and replacement
 * are the operations that lose data or quorum; growth is additive.
 *
 * The program records a {@link GuardState} as a stack output; the next run compares the
 * new config against it before registering any resource, and hands it to the lab (the
 * CockroachDB lab takes a backup only when a deployed cluster moves to a later phase).
 */
import { PlatformKind, StackConfig, valueAt } from "./config";

/** Stack output name that holds the guard state. */
export const GUARD_OUTPUT = "clusterlabGuard";

/** What the guard remembers of a deployed config. */
export interface GuardState {
    lab: string;
    /** Counts by config path, e.g. `{ "pd.members": 3, "tikv.stores": 3 }`. */
    counts: Record<string, number>;
    /** Values whose change replaces stateful resources, by config path. */
    replacing: Record<string, string | number | boolean | null>;
    /** CockroachDB lab: the phase the stack was first deployed at (backups start after it). */
    firstPhase?: number;
    /** On/off values whose change restarts every member (`crdb.secure`), by config path; absent in states recorded before them. */
    switches?: Record<string, boolean>;
}

/** A count that must not go down, what going down removes, and the flag that permits it. */
interface CountRule {
    path: string;
    removes: string;
    allow: string;
    /** A switch that, when false, counts as 0 members (the component is removed). */
    when?: string;
}

/** Per lab, the counts that must not go down. */
const COUNTS: Record<StackConfig["lab"], CountRule[]> = {
    tikv: [
        { path: "pd.members", removes: "PD members holding data", allow: "pd.allowScaleIn" },
        { path: "tikv.stores", removes: "stores holding data", allow: "tikv.allowScaleIn" },
    ],
    crdb: [
        { path: "crdb.nodes", removes: "nodes holding data", allow: "crdb.allowScaleIn" },
        { path: "phase", removes: "the later phases' SQL and backup records and leaves their replication factor", allow: "allowReplace" },
    ],
    etcd: [],
    cdc: [
        { path: "main.tikv.stores", removes: "main-cluster stores holding data", allow: "main.tikv.allowScaleIn" },
        // Switching TiKV-CDC off deletes its capture servers (and leaves the changefeed unserved).
        { path: "cdc.members", removes: "TiKV-CDC capture servers", allow: "allowReplace", when: "cdc.enabled" },
    ],
    appcluster: [{ path: "app.nodes", removes: "nodes holding data", allow: "app.allowScaleIn" }],
};

/**
 * A value whose change replaces stateful resources; `on` limits it to a platform; `when`
 * names a key that must be set for the value to reach any resource, `unless` one that
 * overrides it when set (either way an unused value is recorded as null).
 */
interface ReplacingRule {
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
const ANYWHERE: ReplacingRule[] = [
    { path: "platform" },
    { path: "kubernetes.namespace", on: "kubernetes" },
    { path: "kubernetes.storageClassName", on: "kubernetes" },
    { path: "kubernetes.context", on: "kubernetes" },
    { path: "kubernetes.renderYamlToDirectory", on: "kubernetes" },
];

/**
 * Per lab, values whose change replaces a StatefulSet (PVC templates, names), a volume, or
 * every member at once. On Docker a container is replaced for any change of image, flags,
 * env or ports (pulumi-docker `Container`: those inputs force a new container), all members
 * together (quorum lost); on Kubernetes the same change rolls pods one at a time, so only
 * PVC templates and names count there. Docker volumes have no size, so `storageGiB` counts
 * on Kubernetes only. tests/guard-derived.test.ts checks this table against the graph the
 * program registers for every one-key change of every stack.
 */
const REPLACING: Record<StackConfig["lab"], ReplacingRule[]> = {
    tikv: [
        ...ANYWHERE,
        { path: "pd.bootstrapMembers" },
        { path: "tikv.storageGiB", on: "kubernetes" },
        { path: "version", on: "docker" },
        { path: "arch", on: "docker" },
        { path: "pd.clientHostPort", on: "docker" },
        { path: "tikv.statusHostPort", on: "docker" },
        { path: "tikv.memoryLimitMiB", on: "docker" },
        { path: "tikv.blockCacheMiB", on: "docker" },
    ],
    crdb: [
        ...ANYWHERE,
        { path: "crdb.storageGiB", on: "kubernetes" },
        { path: "crdb.version", on: "docker" },
        { path: "arch", on: "docker" },
        { path: "crdb.sqlHostPort", on: "docker" },
        { path: "crdb.httpHostPort", on: "docker" },
        // New certificates are new uploads: every node container is re-created at once.
        { path: "crdb.certValidityHours", on: "docker" },
    ],
    // etcd members all bootstrap from one --initial-cluster; another count rewrites every member
    // (scale-out needs `etcdctl member add` first, which this lab does not automate).
    etcd: [
        ...ANYWHERE,
        { path: "etcd.storageGiB", on: "kubernetes" },
        { path: "etcd.members" },
        // A failpoint build replaces the official image, version and all.
        { path: "etcd.version", on: "docker", unless: "etcd.failpointImage" },
        { path: "etcd.failpointImage", on: "docker" },
        // GOFAIL_HTTP in every member's env, set only with a failpoint build.
        { path: "etcd.failpointPort", on: "docker", when: "etcd.failpointImage" },
        { path: "etcd.quotaBackendBytes", on: "docker" },
        { path: "etcd.clientHostPort", on: "docker" },
        // Every member advertises its proxy's peer URL with proxies on, its own without.
        { path: "etcd.peerProxies" },
        { path: "arch", on: "docker" },
    ],
    // Both clusters' members and volumes; the recovery cluster's data must outlive every case switch.
    cdc: [
        ...ANYWHERE,
        { path: "main.tikv.storageGiB", on: "kubernetes" },
        { path: "recovery.tikv.storageGiB", on: "kubernetes" },
        // TiKV-CDC's capture servers: every input of theirs recreates them all at once on Docker.
        { path: "cdc.image", on: "docker" },
        { path: "cdc.ref", on: "docker", unless: "cdc.image" },
        { path: "cdc.hostPort", on: "docker" },
        { path: "cdc.gcTtlSeconds", on: "docker" },
        { path: "version", on: "docker" },
        { path: "arch", on: "docker" },
        { path: "main.pd.clientHostPort", on: "docker" },
        { path: "main.tikv.statusHostPort", on: "docker" },
        { path: "recovery.pd.clientHostPort", on: "docker" },
        { path: "recovery.tikv.statusHostPort", on: "docker" },
    ],
    // Each app node is its own group with its own volume; only the volume size replaces them.
    // Each app node is its own group with its own volume. On Kubernetes only the volume size
    // replaces them; on Docker every input every node shares recreates all nodes at once.
    appcluster: [
        ...ANYWHERE,
        { path: "app.storageGiB", on: "kubernetes" },
        ...[
            "arch",
            "app.image",
            "app.dataDir",
            "app.healthPath",
            ...["nodeId", "nodeName", "httpAddr", "raftAddr", "joinAddr", "dataDir"].map((k) => `app.env.${k}`),
            ...["api", "kv", "raft"].flatMap((p) => [`app.ports.${p}.containerPort`, `app.ports.${p}.hostPortBase`]),
        ].map((path): ReplacingRule => ({ path, on: "docker" })),
    ],
};

/**
 * Switches: values whose change restarts every member with new flags and breaks every client
 * that does not change with them, though no data is lost. `absent` is what a deployment
 * recorded before the rule existed had (every CockroachDB stack before secure mode was insecure).
 */
const SWITCHES: Partial<Record<StackConfig["lab"], { path: string; absent: boolean; effect: string }[]>> = {
    crdb: [
        {
            path: "crdb.secure",
            absent: false,
            effect: "restarts every node with new flags (--certs-dir instead of --insecure) and every client must switch to TLS and client certificates",
        },
    ],
};

/** One line per switch the new config makes without `allowReplace`. */
function checkSwitches(previous: GuardState, next: StackConfig): string[] {
    if (next.allowReplace === true) return [];
    return (SWITCHES[next.lab] ?? []).flatMap(({ path, absent, effect }) => {
        const before = previous.switches?.[path] ?? absent;
        const after = valueAt(next, path) as boolean;
        return before === after ? [] : [`${path}: ${before} → ${after} ${effect}; set allowReplace: true to allow it`];
    });
}

/**
 * The guard state of a parsed config.
 * @param previous the last deployment's state: carries `firstPhase` forward.
 */
export function guardState(config: StackConfig, previous?: GuardState): GuardState {
    return {
        lab: config.lab,
        counts: Object.fromEntries(
            COUNTS[config.lab].map(({ path, when }) => [
                path,
                when && valueAt(config, when) === false ? 0 : (valueAt(config, path) as number),
            ]),
        ),
        replacing: Object.fromEntries(
            REPLACING[config.lab].map(({ path, when, unless }) => [
                path,
                (when && valueAt(config, when) === undefined) || (unless && valueAt(config, unless) !== undefined)
                    ? null
                    : ((valueAt(config, path) as string | number | boolean | undefined) ?? null),
            ]),
        ),
        ...(config.lab === "crdb" ? { firstPhase: previous?.firstPhase ?? config.phase } : {}),
        ...(SWITCHES[config.lab]?.length
            ? { switches: Object.fromEntries(SWITCHES[config.lab]!.map(({ path }) => [path, valueAt(config, path) as boolean])) }
            : {}),
    };
}

/**
 * Compares a deployed state with a new config.
 *
 * @param previous the guard output of the last deployment; `undefined` for a new stack.
 * @returns one line per refused change (`tikv.stores: 5 → 3 removes stores holding data; set tikv.allowScaleIn: true to allow it`); empty when allowed.
 */
export function checkTransition(previous: GuardState | undefined, next: StackConfig): string[] {
    if (!previous) return [];
    if (previous.lab !== next.lab) {
        return [`lab: ${previous.lab} → ${next.lab} would replace every resource; use a new stack`];
    }
    const problems: string[] = [];
    const now = guardState(next, previous);
    for (const { path, removes, allow } of COUNTS[next.lab]) {
        const before = previous.counts[path];
        const after = now.counts[path];
        if (before !== undefined && after < before && valueAt(next, allow) !== true) {
            problems.push(`${path}: ${before} → ${after} removes ${removes}; set ${allow}: true to allow it`);
        }
    }
    const platform = (previous.replacing.platform as PlatformKind | null) ?? next.platform;
    for (const { path, on } of REPLACING[next.lab]) {
        if (on && on !== platform) continue;
        const before = previous.replacing[path];
        const after = now.replacing[path];
        if (path in previous.replacing && before !== after && next.allowReplace !== true) {
            problems.push(
                `${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)} would replace stateful resources; set allowReplace: true to allow it`,
            );
        }
    }
    problems.push(...checkSwitches(previous, next));
    return problems;
}
