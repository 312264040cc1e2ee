/**
 * Who the etcd lab's members are across config changes: which members bootstrapped together and
 * which joined later, as a pure function of the member count and what the lab remembered of the
 * last deployment. The builder renders each member's flags from it; `remember` stores it.
 *
 * Why it must be remembered (etcd.io/docs/v3.5/op-guide/runtime-configuration/ and
 * `/op-guide/configuration/`):
 * - `--initial-cluster*` are read only on a member's first start, yet they are part of the member's
 *   spec: rewriting the bootstrap members' `--initial-cluster` on a scale-out would replace
 *   (Docker) or roll (Kubernetes) every member for nothing. The bootstrap members keep the
 *   `--initial-cluster` of the count they bootstrapped with, forever.
 * - A member that joins later starts with `--initial-cluster-state=existing` and an
 *   `--initial-cluster` listing exactly the members at its join (ordinals 0..itself).
 * - A removed member cannot come back with its old data ("the member has been permanently
 *   removed from the cluster"). Volumes outlive scale-in (they are retained), so each join gets a
 *   data directory of its own on the member's volume, named by a join number that only grows.
 */
import type { LabMemory } from "../types";

/** The lab's memory keys of its membership (stored in the stack's guard output). */
export const MEMBERSHIP_KEYS = {
    bootstrap: "etcd.bootstrapMembers",
    joins: "etcd.memberJoins",
    joinCount: "etcd.joinCount",
} as const;

/** The etcd lab's members after a config change. */
export interface EtcdMembership {
    /** Members deployed before this change (0 for a new stack). */
    deployed: number;
    /** How many members bootstrapped together (`--initial-cluster-state=new`); their flags name ordinals 0..bootstrap-1. */
    bootstrap: number;
    /**
     * One entry per member, by ordinal: 0 for a bootstrap member (data dir `/var/lib/etcd`), else
     * the number of the join that started it (data dir `/var/lib/etcd/join-<n>`). Bootstrap members
     * are always a prefix: members leave from the highest ordinal.
     */
    joins: number[];
    /** Joins so far, this change's included. */
    joinCount: number;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/**
 * The membership of `members` members after the deployment `previous` remembered.
 * - New stack (`previous` has no `etcd.members`): every member bootstraps.
 * - Remembered before these keys existed: the deployed members all bootstrapped.
 * - Members kept keep their entry; each new ordinal gets the next join number.
 * @param members the config's `etcd.members` (≥ 1).
 * @param previous the lab's memory of the last deployment; `{}` for a new stack.
 */
export function etcdMembership(members: number, previous: LabMemory): EtcdMembership {
    const deployedCount = previous["etcd.members"];
    if (!isCount(deployedCount)) {
        return { deployed: 0, bootstrap: members, joins: Array(members).fill(0), joinCount: 0 };
    }
    const remembered = previous[MEMBERSHIP_KEYS.joins];
    const before: number[] =
        Array.isArray(remembered) && remembered.every(isCount) && remembered.length === deployedCount
            ? remembered
            : Array(deployedCount).fill(0);
    const bootstrapBefore = previous[MEMBERSHIP_KEYS.bootstrap];
    const bootstrap = isCount(bootstrapBefore) && bootstrapBefore > 0 ? bootstrapBefore : deployedCount;
    let joinCount = isCount(previous[MEMBERSHIP_KEYS.joinCount]) ? (previous[MEMBERSHIP_KEYS.joinCount] as number) : 0;
    const joins = Array.from({ length: members }, (_, i) => (i < before.length ? before[i] : ++joinCount));
    return { deployed: deployedCount, bootstrap, joins, joinCount };
}

/** What `remember` stores of a membership (see {@link MEMBERSHIP_KEYS}). */
export function rememberMembership(m: EtcdMembership): LabMemory {
    return { [MEMBERSHIP_KEYS.bootstrap]: m.bootstrap, [MEMBERSHIP_KEYS.joins]: m.joins, [MEMBERSHIP_KEYS.joinCount]: m.joinCount };
}

/** The members still running with their bootstrap flags: the leading zeros of `joins`. */
export function bootstrapMembersPresent(m: EtcdMembership): number {
    const firstJoiner = m.joins.findIndex((j) => j !== 0);
    return firstJoiner === -1 ? m.joins.length : firstJoiner;
}

/** The data directory of member `ordinal`: `/var/lib/etcd` for a bootstrap member, `/var/lib/etcd/join-<n>` for a joiner. */
export function memberDataDir(m: EtcdMembership, ordinal: number, mountPath = "/var/lib/etcd"): string {
    const join = m.joins[ordinal];
    if (join === undefined) throw new Error(`etcd member ${ordinal}: not a member (${m.joins.length} members)`);
    return join === 0 ? mountPath : `${mountPath}/join-${join}`;
}

/** Ordinals that join in this change (absent before it), lowest first. */
export function joiningOrdinals(m: EtcdMembership): number[] {
    return m.joins.map((_, i) => i).filter((i) => i >= m.deployed && m.joins[i] !== 0);
}
