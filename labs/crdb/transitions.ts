/**
 * The CockroachDB lab's transition preconditions (its `transitionProblems` hook): below the
 * replication factor, scale-in and upgrade in one change, a skipped Regular release, a
 * finalization in the same change as its major-version bump.
 */
import { scaleInWithUpgradeProblems } from "../transitions";
import { crdbMajor, crdbScaleInProblems, crdbVersionProblems } from "./membership";

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
    next: { crdb: { nodes: number; version: string; finalizeUpgrade?: string } },
    replicationFactor: number,
): string[] {
    const { nodes, version } = previous;
    if (nodes === undefined || version === undefined) return [];
    const versionProblems = crdbVersionProblems(version, next.crdb.version);
    return [
        ...crdbScaleInProblems(nodes, next.crdb.nodes, replicationFactor),
        ...scaleInWithUpgradeProblems("crdb.nodes", nodes, next.crdb.nodes, "crdb.version", version, next.crdb.version),
        ...versionProblems,
        ...(versionProblems.length ? [] : finalizeWithBumpProblems(version, next.crdb.version, next.crdb.finalizeUpgrade)),
    ];
}

/**
 * `crdb.finalizeUpgrade` set to the new major in the change that bumps `crdb.version` to it: the
 * finalize task would run right after the roll, before anyone checked the cluster on the new
 * binary, and a finalized upgrade cannot be rolled back (cockroachlabs.com/docs "Upgrade
 * CockroachDB self-hosted": finalize once every node runs the new version and the cluster is
 * checked). Empty otherwise (a patch bump, or the key left at the old major, which the config's
 * cross-check reports).
 * @param before the deployed `crdb.version`; `after` the new one (both `vYY.R.PP`: {@link crdbVersionProblems} accepted them).
 */
export function finalizeWithBumpProblems(before: string, after: string, finalizeUpgrade: string | undefined): string[] {
    const to = crdbMajor(after);
    if (finalizeUpgrade !== to || crdbMajor(before) === to) return [];
    return [
        `crdb.finalizeUpgrade: ${finalizeUpgrade} in the same change as crdb.version: ${before} → ${after}; ` +
            `finalize in a later pulumi up, once every node runs ${after} (remove crdb.finalizeUpgrade for this one)`,
    ];
}
