/**
 * The CockroachDB lab's transition preconditions (its `transitionProblems` hook): below the
 * replication factor, scale-in and upgrade in one change, a skipped Regular release.
 */
import { scaleInWithUpgradeProblems } from "../transitions";
import { crdbScaleInProblems, crdbVersionProblems } from "./membership";

/** What the lab remembers of a deployed config for these checks. */
export interface CrdbMemory {
    nodes: number;
    version: string;
}

/** The memory of a config. */
export function crdbRemember(config: { crdb: { nodes: number; version: string } }): CrdbMemory {
    return { nodes: config.crdb.nodes, version: config.crdb.version };
}

/**
 * Refusals of a change from `previous` to `next`; empty when allowed.
 * @param replicationFactor the replication factor the next config's phase sets.
 */
export function crdbTransitionProblems(
    previous: Partial<CrdbMemory>,
    next: { crdb: { nodes: number; version: string } },
    replicationFactor: number,
): string[] {
    const { nodes, version } = previous;
    if (nodes === undefined || version === undefined) return [];
    return [
        ...crdbScaleInProblems(nodes, next.crdb.nodes, replicationFactor),
        ...scaleInWithUpgradeProblems("crdb.nodes", nodes, next.crdb.nodes, "crdb.version", version, next.crdb.version),
        ...crdbVersionProblems(version, next.crdb.version),
    ];
}
