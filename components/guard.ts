/**
 * Refuses config changes that would remove members or replace stateful resources, unless the
 * config says so (`<group>.allowScaleIn`, `allowReplace`): scale-in and replacement are the
 * operations that lose data or quorum; growth is additive.
 *
 * Nothing here knows a lab or a platform. Each lab describes its member groups as a model
 * (labs/<lab>/index.ts `groups`: members, whether they hold data, and the config values that
 * reach each field of the group); each platform says what a change of each field does there
 * (components/platform: `PlatformTraits.effects`). The program records the model's fingerprint
 * ({@link GuardState}) as a stack output; the next run compares the new model against it before
 * registering any resource, and refuses member removal and destructive field changes on groups
 * that hold data, naming the config key that changed and the flag that allows it. A lab's own
 * domain preconditions (`transitionProblems`) are reported with these.
 */
import type { StackConfig } from "./config";
import { valueAt } from "./config/schema";
import { MEMBER_GROUP_FIELDS, MemberGroupField, isDestructive } from "./platform/effects";
import { platformDefinition } from "./platform/registry";
import { labDefinition } from "../labs";
import type { LabDefinition, LabMemory, ModelGroup } from "../labs/types";
import { memberSpecKey } from "../labs/roll";

/** Stack output name that holds the guard state. */
export const GUARD_OUTPUT = "clusterlabGuard";

/** A group as the fingerprint records it. */
export interface GroupFingerprint {
    members: number;
    stateful: boolean;
    /** Every config value that reaches one of the group's fields, by config path (platform placement included). */
    values: Record<string, unknown>;
}

/**
 * What the guard remembers of a deployment: the model's fingerprint. States written before the
 * model existed carry only `counts`, `replacing`, `switches` and `firstPhase` (read by
 * {@link previousMemory} and {@link previousValue}); `counts` and `firstPhase` are still written.
 */
export interface GuardState {
    lab: string;
    /** The platform the stack was deployed on. */
    platform?: string;
    /** Member groups by name. */
    groups?: Record<string, GroupFingerprint>;
    /** What the lab remembers for its own transition checks (its `remember`). */
    memory?: LabMemory;
    /** Member counts by config path, e.g. `{ "pd.members": 3, "tikv.stores": 3 }`. */
    counts: Record<string, number>;
    /** Before the model: values whose change replaced stateful resources, by config path. */
    replacing?: Record<string, string | number | boolean | null>;
    /** CockroachDB lab: the phase the stack was first deployed at (also in `memory`). */
    firstPhase?: number;
    /** Before the model: on/off values whose change restarts every member, by config path. */
    switches?: Record<string, boolean>;
}

/** A lab's definition from the registry. @throws Error for a lab nobody registered. */
function definitionOf(lab: string): LabDefinition {
    const definition = labDefinition(lab);
    if (!definition) throw new Error(`lab ${lab} is not registered in labs/index.ts`);
    return definition;
}

/** The config values the platform and the lab feed into each field of a group. */
function fieldValues(group: ModelGroup, config: StackConfig): Record<MemberGroupField, Record<string, unknown>> {
    const placement = platformDefinition(config.platform)?.traits.placement(config) ?? {};
    return Object.fromEntries(MEMBER_GROUP_FIELDS.map((f) => [f, { ...(placement[f] ?? {}), ...(group.fields[f] ?? {}) }])) as Record<
        MemberGroupField,
        Record<string, unknown>
    >;
}

/** What the lab remembered of the last deployment; for a state from before the model, its values by config path. */
export function previousMemory(previous: GuardState | undefined): LabMemory {
    if (!previous) return {};
    if (previous.memory) return previous.memory;
    return {
        ...(previous.replacing ?? {}),
        ...previous.counts,
        ...(previous.switches ?? {}),
        ...(previous.firstPhase !== undefined ? { firstPhase: previous.firstPhase } : {}),
    };
}

/** A group's previous value at `path`, from the fingerprint or (older states) the `replacing` record; `absent` when unknown. */
function previousValue(previous: GuardState, group: string, path: string): unknown {
    const fingerprint = previous.groups?.[group];
    if (fingerprint) return path in fingerprint.values ? fingerprint.values[path] : ABSENT;
    return previous.replacing && path in previous.replacing ? previous.replacing[path] : ABSENT;
}
const ABSENT = Symbol("absent");

/**
 * The guard state of a parsed config: the fingerprint of its lab's model.
 * @param previous the last deployment's state: the lab's memory carries lab state (the first phase) forward.
 */
export function guardState(config: StackConfig, previous?: GuardState): GuardState {
    const lab = definitionOf(config.lab);
    const groups = lab.groups(config as never);
    const memory = {
        ...(lab.remember?.(config as never, previousMemory(previous)) ?? {}),
        // What reached each rolled group's members: another digest later is a roll (labs/roll.ts).
        ...Object.fromEntries(groups.filter((g) => g.rolls).map((g) => [memberSpecKey(g.name), g.rolls!.spec])),
    };
    return {
        lab: config.lab,
        platform: config.platform,
        groups: Object.fromEntries(
            groups.map((g) => [
                g.name,
                { members: g.members, stateful: g.stateful, values: Object.assign({}, ...Object.values(fieldValues(g, config))) },
            ]),
        ),
        memory,
        counts: Object.fromEntries(groups.filter((g) => g.scaleIn).map((g) => [g.scaleIn!.path, g.members])),
        ...(typeof memory.firstPhase === "number" ? { firstPhase: memory.firstPhase } : {}),
    };
}

/** The previous member count of a group: from the fingerprint, or (older states) `counts` by the group's count key. */
function previousMembers(previous: GuardState, group: ModelGroup): number | undefined {
    return previous.groups?.[group.name]?.members ?? (group.scaleIn ? previous.counts?.[group.scaleIn.path] : undefined);
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
    const lab = definitionOf(next.lab);
    const problems: string[] = [];
    const replaces = (path: string, before: unknown, after: unknown) =>
        `${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)} would replace stateful resources; set allowReplace: true to allow it`;
    const platformBefore = previous.platform ?? (previous.replacing?.platform as string | undefined) ?? next.platform;
    const groups = lab.groups(next as never);
    if (platformBefore !== next.platform) {
        // Another platform re-creates every member, and its data does not move.
        if (next.allowReplace !== true && groups.some((g) => g.stateful))
            problems.push(replaces("platform", platformBefore, next.platform));
    } else {
        const traits = platformDefinition(next.platform)?.traits;
        for (const group of groups) {
            const before = previousMembers(previous, group);
            if (before === undefined) continue;
            if (group.scaleIn && group.members < before && valueAt(next, group.scaleIn.allow) !== true) {
                const { path, removes, allow } = group.scaleIn;
                problems.push(`${path}: ${before} → ${group.members} removes ${removes}; set ${allow}: true to allow it`);
            }
            if (!group.stateful || !traits || next.allowReplace === true || before === 0 || group.members === 0) continue;
            const values = fieldValues(group, next);
            // A lab's own roll keeps a quorum only with more than one member, and needs the spec it rolls from.
            const specBefore = previousMemory(previous)[memberSpecKey(group.name)];
            const remembered = typeof specBefore === "string";
            // A group cannot join or leave members and roll in one pulumi up (tidb-operator #2631 hangs on exactly this).
            const ownRoll = group.rolls?.fields.some((f) => isDestructive(traits.effects[f]));
            if (group.rolls && ownRoll && remembered && specBefore !== group.rolls.spec && before !== group.members) {
                const count = group.scaleIn?.path ?? group.name;
                problems.push(
                    `${count}: ${before} → ${group.members} together with a change that reaches every member (image, flags or host ports): change ${count} first (pulumi up), then the rest`,
                );
            }
            for (const field of MEMBER_GROUP_FIELDS) {
                const rolled = group.rolls?.fields.includes(field) && group.members > 1;
                if (!isDestructive(traits.effects[field]) || (rolled && remembered)) continue;
                for (const [path, after] of Object.entries(values[field])) {
                    const was = previousValue(previous, group.name, path);
                    if (was !== ABSENT && JSON.stringify(was ?? null) !== JSON.stringify(after ?? null))
                        problems.push(
                            rolled
                                ? `${path}: ${JSON.stringify(was)} → ${JSON.stringify(after)} would replace stateful resources: this stack was deployed before clusterlab remembered the ${group.name} members' spec, so it cannot roll them; run pulumi up once unchanged, then change it (they then roll one at a time), or set allowReplace: true`
                                : replaces(path, was, after),
                        );
                }
            }
        }
    }
    problems.push(...(lab.transitionProblems?.(previousMemory(previous), next as never) ?? []));
    return [...new Set(problems)];
}
