/**
 * The TiKV lab's transition preconditions (its `transitionProblems` hook): fewer stores than
 * PD's max-replicas, more PD members removed at once than their quorum tolerates, scale-in and
 * upgrade in one change.
 */
import { quorumRemovalProblems, scaleInWithUpgradeProblems } from "../transitions";
import { tikvScaleInProblems } from "./membership";
import { countWithSpecProblems } from "../roll";
import { TikvMemberConfig, pdMemberSpec, tikvMemberSpec } from "./member-spec";

/** What the lab remembers of a deployed config for these checks. */
export interface TikvMemory {
    pdMembers: number;
    stores: number;
    version: string;
}

/** The memory of a config. */
export function tikvRemember(config: { version: string; pd: { members: number }; tikv: { stores: number } }): TikvMemory {
    return { pdMembers: config.pd.members, stores: config.tikv.stores, version: config.version };
}

/** Refusals of a change from `previous` to `next`; empty when allowed. */
export function tikvTransitionProblems(
    previous: Partial<TikvMemory>,
    next: { version: string; pd: { members: number }; tikv: { stores: number } },
): string[] {
    const { pdMembers, stores, version } = previous;
    if (pdMembers === undefined || stores === undefined || version === undefined) return [];
    return [
        ...tikvScaleInProblems(stores, next.tikv.stores),
        ...quorumRemovalProblems("pd.members", pdMembers, next.pd.members),
        ...scaleInWithUpgradeProblems("tikv.stores", stores, next.tikv.stores, "version", version, next.version),
        ...scaleInWithUpgradeProblems("pd.members", pdMembers, next.pd.members, "version", version, next.version),
    ];
}

/**
 * On Docker, where the lab rolls a changed spec one member at a time (labs/tikv/roll.ts): a
 * member-count change together with a spec change of the same group, which could not roll (the
 * group would be replaced at once). Empty elsewhere. (A stack remembered before the digests existed
 * cannot roll either: the guard refuses that, components/guard.ts.)
 * @param previous the lab's memory (`{}` for a new stack).
 */
export function tikvRollProblems(
    previous: Record<string, unknown>,
    next: TikvMemberConfig & { platform: string; allowReplace?: boolean; pd: { members: number }; tikv: { stores: number } },
): string[] {
    if (next.platform !== "docker") return [];
    const { pdMembers, stores } = previous as Partial<TikvMemory>;
    return [
        ...countWithSpecProblems(
            "pd.members",
            pdMembers,
            next.pd.members,
            previous["pd.memberSpec"],
            pdMemberSpec(next),
            next.allowReplace,
        ),
        ...countWithSpecProblems(
            "tikv.stores",
            stores,
            next.tikv.stores,
            previous["tikv.memberSpec"],
            tikvMemberSpec(next),
            next.allowReplace,
        ),
    ];
}
