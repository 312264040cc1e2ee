/**
 * Refuses config changes that would remove members or replace stateful resources, unless
 * the config says so (`<component>.allowScaleIn`, `allowReplace`). DESIGN principle 5.
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
    cdc: [{ path: "main.tikv.stores", removes: "main-cluster stores holding data", allow: "main.tikv.allowScaleIn" }],
    appcluster: [{ path: "app.nodes", removes: "nodes holding data", allow: "app.allowScaleIn" }],
};

/** A value whose change replaces stateful resources; `on` limits it to a platform. */
interface ReplacingRule {
    path: string;
    on?: PlatformKind;
}

const ANYWHERE: ReplacingRule[] = [
    { path: "platform" },
    { path: "kubernetes.namespace" },
    { path: "kubernetes.storageClassName" },
    { path: "kubernetes.context" },
];

/**
 * Per lab, values whose change replaces a StatefulSet (PVC templates, names), a volume, or
 * every member at once. On Docker a container is replaced for any change of image, flags or
 * ports, all members together (quorum lost); on Kubernetes the same change rolls pods one
 * at a time, so only PVC templates and names count there.
 */
const REPLACING: Record<StackConfig["lab"], ReplacingRule[]> = {
    tikv: [
        ...ANYWHERE,
        { path: "pd.bootstrapMembers" },
        { path: "tikv.storageGiB" },
        { path: "version", on: "docker" },
        { path: "arch", on: "docker" },
        { path: "pd.clientHostPort", on: "docker" },
        { path: "tikv.statusHostPort", on: "docker" },
    ],
    crdb: [
        ...ANYWHERE,
        { path: "crdb.storageGiB" },
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
        { path: "etcd.storageGiB" },
        { path: "etcd.members" },
        { path: "etcd.version", on: "docker" },
        { path: "etcd.failpointImage", on: "docker" },
        { path: "etcd.quotaBackendBytes", on: "docker" },
        { path: "etcd.clientHostPort", on: "docker" },
        { path: "arch", on: "docker" },
    ],
    // Both clusters' members and volumes; the recovery cluster's data must outlive every case switch.
    cdc: [
        ...ANYWHERE,
        { path: "main.tikv.storageGiB" },
        { path: "recovery.tikv.storageGiB" },
        { path: "version", on: "docker" },
        { path: "arch", on: "docker" },
        { path: "main.pd.clientHostPort", on: "docker" },
        { path: "main.tikv.statusHostPort", on: "docker" },
        { path: "recovery.pd.clientHostPort", on: "docker" },
        { path: "recovery.tikv.statusHostPort", on: "docker" },
    ],
    // Each app node is its own group with its own volume; only the volume size replaces them.
    appcluster: [...ANYWHERE, { path: "app.storageGiB" }],
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
        counts: Object.fromEntries(COUNTS[config.lab].map(({ path }) => [path, valueAt(config, path) as number])),
        replacing: Object.fromEntries(
            REPLACING[config.lab].map(({ path }) => [path, (valueAt(config, path) as string | number | boolean | undefined) ?? null]),
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
