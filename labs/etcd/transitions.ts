/**
 * The etcd lab's transition preconditions (its `transitionProblems` hook): more members removed
 * at once than the quorum tolerates, a skipped minor version, a member-count change and an
 * upgrade in one change.
 */
import { quorumRemovalProblems, scaleInWithUpgradeProblems } from "../transitions";
import { etcdMembersProblems, etcdVersionProblems } from "./membership";

/** What the lab remembers of a deployed config for these checks. */
export interface EtcdMemory {
    members: number;
    version: string;
}

/** The memory of a config. */
export function etcdRemember(config: { etcd: { members: number; version: string } }): EtcdMemory {
    return { members: config.etcd.members, version: config.etcd.version };
}

/** Refusals of a change from `previous` to `next`; empty when allowed. */
export function etcdTransitionProblems(previous: Partial<EtcdMemory>, next: { etcd: { members: number; version: string } }): string[] {
    const { members, version } = previous;
    if (members === undefined || version === undefined) return [];
    const grows = next.etcd.members > members && version !== next.etcd.version;
    return [
        ...etcdMembersProblems(members, next.etcd.members),
        ...quorumRemovalProblems("etcd.members", members, next.etcd.members),
        ...etcdVersionProblems(version, next.etcd.version),
        ...scaleInWithUpgradeProblems("etcd.members", members, next.etcd.members, "etcd.version", version, next.etcd.version),
        // A joiner of the new version and members of the old one in one change: grow, then upgrade.
        ...(grows
            ? [
                  `etcd.members: ${members} → ${next.etcd.members} and etcd.version: ${version} → ${next.etcd.version} in one change; grow first (pulumi up), then change etcd.version`,
              ]
            : []),
    ];
}
