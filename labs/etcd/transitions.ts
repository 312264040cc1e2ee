/**
 * The etcd lab's transition preconditions (its `transitionProblems` hook): more members removed
 * at once than the quorum tolerates, a skipped minor version, a member-count change and an
 * upgrade in one change.
 */
import { quorumRemovalProblems, scaleInWithUpgradeProblems } from "../transitions";
import { etcdMembersProblems, etcdVersionProblems } from "./membership";
import { NETWORK_SCENARIOS } from "./network";
import { MEMBERSHIP_KEYS } from "./joins";

/** The memory key of the deployed `etcd.stepsImage` (Kubernetes: whether members join by themselves). */
export const STEPS_IMAGE_KEY = "etcd.stepsImage";

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

/**
 * Where a member-count change cannot run as joins and removals (labs/etcd/joins.ts), one line
 * each; empty when it can or nothing changes.
 * - Kubernetes without a steps image deployed: every member comes from one StatefulSet pod
 *   template, and the official image has no shell to derive flags from the pod's ordinal, so a
 *   joining member cannot get its own `--initial-cluster` and `--initial-cluster-state=existing`
 *   (etcd.io/docs/v3.5/op-guide/runtime-configuration/ "Add a new member"). With
 *   `etcd.stepsImage` deployed (remembered) and unchanged, members join and leave by themselves
 *   (labs/etcd/self-join.ts); setting it changes the pod template (one StatefulSet roll), so it
 *   comes in a change of its own.
 * - A network scenario (network-delay, partition, member-kill): a learner cannot catch up through a
 *   fault the proxies inject, so the change waits for a scenario without one. With the proxies on
 *   and no fault, members join and leave through them (each joiner advertises its own proxy).
 * @param previous the lab's memory (`etcd.members`); `{}` for a new stack.
 */
export function etcdMemberCountProblems(
    previous: Record<string, unknown>,
    next: { platform: string; scenario: string; etcd: { members: number; stepsImage?: string } },
): string[] {
    const before = previous["etcd.members"];
    if (typeof before !== "number" || before === next.etcd.members) return [];
    const change = `etcd.members: ${before} → ${next.etcd.members}`;
    if (next.platform === "kubernetes" && (next.etcd.stepsImage === undefined || previous[STEPS_IMAGE_KEY] !== next.etcd.stepsImage)) {
        return [
            next.etcd.stepsImage === undefined
                ? `${change} on kubernetes: the members share one StatefulSet pod template, which cannot give a joining member its own --initial-cluster and --initial-cluster-state=existing; set etcd.stepsImage (a POSIX shell and etcdctl) and pulumi up once at ${before} members, so each member starts through a helper that joins it as a learner, then change etcd.members`
                : `${change} together with a new etcd.stepsImage: the new image changes every member's pod (a StatefulSet roll); pulumi up at ${before} members with the steps image first, then change etcd.members`,
        ];
    }
    if ((NETWORK_SCENARIOS as readonly string[]).includes(next.scenario)) {
        return [
            `${change} in scenario ${next.scenario}: a joining or leaving member would go through the fault it injects; switch to baseline first (pulumi up), then change etcd.members`,
        ];
    }
    // A count change together with a spec change is the guard's to refuse (labs/types.ts `ModelGroup.rolls`).
    return [];
}

/**
 * Refuses dropping `etcd.stepsImage` on Kubernetes after members joined or left by themselves
 * (labs/etcd/self-join.ts): without it each member gets flags again, and the flags of a joiner
 * name the bootstrap members and a data directory of its own (labs/etcd/joins.ts), which a
 * member that joined through the start helper never had. Empty when allowed.
 * @param previous the lab's memory (`etcd.stepsImage`, `etcd.members`, `etcd.bootstrapMembers`).
 */
export function etcdStepsImageProblems(
    previous: Record<string, unknown>,
    next: { platform: string; etcd: { members: number; stepsImage?: string } },
): string[] {
    const before = previous[STEPS_IMAGE_KEY];
    const members = previous["etcd.members"];
    const bootstrap = previous[MEMBERSHIP_KEYS.bootstrap];
    if (next.platform !== "kubernetes" || typeof before !== "string" || next.etcd.stepsImage !== undefined) return [];
    if (members === bootstrap && next.etcd.members === members) return [];
    return [
        `etcd.stepsImage: unset on kubernetes after members joined or left through it (${bootstrap} bootstrapped, ${members} deployed): the members would get flags that do not match how they joined; keep the steps image`,
    ];
}
