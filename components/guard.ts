/**
 * Refuses config changes that would remove members or replace stateful resources, unless
 * the config says so (`<component>.allowScaleIn`, `allowReplace`): scale-in and replacement
 * are the operations that lose data or quorum; growth is additive.
 *
 * The program records a {@link GuardState} as a stack output; the next run compares the
 * new config against it before registering any resource, and hands it to the lab (the
 * CockroachDB lab takes a backup only when a deployed cluster moves to a later phase).
 */
import type { StackConfig } from "./config";
import type { PlatformKind } from "./config/common";
import { valueAt } from "./config/schema";
import { labDefinition } from "../labs";
import type { LabDefinition } from "../labs/types";
export { ANYWHERE } from "./guard-rules";
export type { CountRule, ReplacingRule, SwitchRule } from "./guard-rules";

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
    /**
     * CockroachDB lab: the `crdb.version` its one-shot steps (init, backups, SQL) were first created
     * with; their image stays at it, so a version bump never re-creates a completed step.
     */
    stepsVersion?: string;
    /** On/off values whose change restarts every member (`crdb.secure`), by config path; absent in states recorded before them. */
    switches?: Record<string, boolean>;
}

/** A lab's definition from the registry. @throws Error for a lab nobody registered. */
function definitionOf(lab: string): LabDefinition {
    const definition = labDefinition(lab);
    if (!definition) throw new Error(`lab ${lab} is not registered in labs/index.ts`);
    return definition;
}

/** A lab's guard rules (labs/<lab>/index.ts `guard`). */
function rulesOf(lab: string): LabDefinition["guard"] {
    return definitionOf(lab).guard;
}

/** One line per switch the new config makes without `allowReplace`. */
function checkSwitches(previous: GuardState, next: StackConfig): string[] {
    if (next.allowReplace === true) return [];
    return (rulesOf(next.lab).switches ?? []).flatMap(({ path, absent, effect }) => {
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
    const lab = definitionOf(config.lab);
    const rules = lab.guard;
    return {
        lab: config.lab,
        counts: Object.fromEntries(
            rules.counts.map(({ path, when }) => [path, when && valueAt(config, when) === false ? 0 : (valueAt(config, path) as number)]),
        ),
        replacing: Object.fromEntries(
            rules.replacing.map(({ path, when, unless }) => [
                path,
                (when && valueAt(config, when) === undefined) || (unless && valueAt(config, unless) !== undefined)
                    ? null
                    : ((valueAt(config, path) as string | number | boolean | undefined) ?? null),
            ]),
        ),
        ...(lab.guardExtras?.(config as never, previous) ?? {}),
        ...(rules.switches?.length
            ? { switches: Object.fromEntries(rules.switches.map(({ path }) => [path, valueAt(config, path) as boolean])) }
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
    for (const { path, removes, allow } of rulesOf(next.lab).counts) {
        const before = previous.counts[path];
        const after = now.counts[path];
        if (before !== undefined && after < before && valueAt(next, allow) !== true) {
            problems.push(`${path}: ${before} → ${after} removes ${removes}; set ${allow}: true to allow it`);
        }
    }
    const platform = (previous.replacing.platform as PlatformKind | null) ?? next.platform;
    for (const { path, on } of rulesOf(next.lab).replacing) {
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
