/**
 * Refuses config changes that would remove members or replace stateful resources, unless
 * the config says so (`<component>.allowScaleIn`, `allowReplace`). DESIGN principle 5.
 *
 * The program records a {@link GuardState} as a stack output; the next run compares the
 * new config against it before registering any resource.
 */
import { StackConfig } from "./config";

/** Stack output name that holds the guard state. */
export const GUARD_OUTPUT = "clusterlabGuard";

/** What the guard remembers of a deployed config. */
export interface GuardState {
    lab: string;
    /** Member counts by config path, e.g. `{ "pd.members": 3, "tikv.stores": 3 }`. */
    counts: Record<string, number>;
    /** Values whose change replaces stateful resources, by config path. */
    replacing: Record<string, string | number | boolean | null>;
}

/** Config paths of member counts, with the path of their allow flag, per lab. */
const COUNTS: Record<StackConfig["lab"], { path: string; allow: string }[]> = {
    tikv: [
        { path: "pd.members", allow: "pd.allowScaleIn" },
        { path: "tikv.stores", allow: "tikv.allowScaleIn" },
    ],
    crdb: [{ path: "crdb.nodes", allow: "crdb.allowScaleIn" }],
    etcd: [{ path: "etcd.members", allow: "allowReplace" }],
};

/**
 * Config paths whose change replaces a StatefulSet, volume or member container, per lab:
 * PVC templates (size, class), names and namespaces, bootstrap membership.
 */
const REPLACING: Record<StackConfig["lab"], string[]> = {
    tikv: ["platform", "kubernetes.namespace", "kubernetes.storageClassName", "pd.bootstrapMembers", "tikv.storageGiB"],
    crdb: ["platform", "kubernetes.namespace", "kubernetes.storageClassName", "crdb.storageGiB"],
    // etcd members all bootstrap from one --initial-cluster; another count rewrites every member
    // (scale-out needs `etcdctl member add` first, which this lab does not automate).
    etcd: ["platform", "kubernetes.namespace", "kubernetes.storageClassName", "etcd.storageGiB", "etcd.members"],
};

function at(config: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), config);
}

/** The guard state of a parsed config. */
export function guardState(config: StackConfig): GuardState {
    return {
        lab: config.lab,
        counts: Object.fromEntries(COUNTS[config.lab].map(({ path }) => [path, at(config, path) as number])),
        replacing: Object.fromEntries(
            REPLACING[config.lab].map((path) => [path, (at(config, path) as string | number | boolean | undefined) ?? null]),
        ),
    };
}

/**
 * Compares a deployed state with a new config.
 *
 * @param previous the guard output of the last deployment; `undefined` for a new stack.
 * @returns one line per refused change (`tikv.stores: 5 → 3 is a scale-in; set tikv.allowScaleIn: true to allow it`); empty when allowed.
 */
export function checkTransition(previous: GuardState | undefined, next: StackConfig): string[] {
    if (!previous) return [];
    if (previous.lab !== next.lab) {
        return [`lab: ${previous.lab} → ${next.lab} would replace every resource; use a new stack`];
    }
    const problems: string[] = [];
    const now = guardState(next);
    for (const { path, allow } of COUNTS[next.lab]) {
        const before = previous.counts[path];
        const after = now.counts[path];
        if (before !== undefined && after < before && at(next, allow) !== true) {
            problems.push(
                `${path}: ${before} → ${after} is a scale-in, which removes members holding data; set ${allow}: true to allow it`,
            );
        }
    }
    for (const path of REPLACING[next.lab]) {
        const before = previous.replacing[path];
        const after = now.replacing[path];
        if (path in previous.replacing && before !== after && next.allowReplace !== true) {
            problems.push(
                `${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)} would replace stateful resources; set allowReplace: true to allow it`,
            );
        }
    }
    return problems;
}
