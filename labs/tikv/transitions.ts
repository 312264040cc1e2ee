/**
 * The TiKV lab's transition preconditions (its `transitionProblems` hook): fewer stores than
 * PD's max-replicas, more PD members removed at once than their quorum tolerates, scale-in and
 * upgrade in one change.
 */
import { quorumRemovalProblems, scaleInWithUpgradeProblems } from "../transitions";
import { tikvScaleInProblems } from "./membership";

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
