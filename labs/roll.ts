/**
 * Rolling a member group one member at a time where the platform would replace them all at once
 * (Docker: every container whose spec changed is replaced in one `pulumi up`, with no order
 * between them). A lab cuts its roll plan (labs/steps.ts) at its platform steps; each cut becomes
 * a waited-for task, and each member becomes a group of one that waits for the task before it:
 *
 *     task 1 (leadership or leaders off member N) → member N → task 2 (N healthy again; off N−1) → member N−1 → … → last task (0 healthy)
 *
 * In Pulumi terms every edge is `dependsOn` only, never an input, so replacing one member deletes
 * no other first: the engine replaces a dependent only when one of its *inputs* depends on the
 * replaced resource (pulumi/pulumi `pkg/resource/deploy/step_generator.go`
 * `calculateDependentReplacements`), and with `deleteBeforeReplace` it deletes and re-creates each
 * member in turn, after the task it waits for exited 0 (components/platform/docker.ts `runTask`).
 * The task names carry a digest of the new spec, so a later change runs anew and an unchanged one
 * leaves them alone.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GuardState } from "../components/guard";
import { DeployedGroup, Platform, TaskSpec, contentHash } from "../components/platform";
import type { MemberGroupField } from "../components/platform/effects";
import { Plan, segments } from "./steps";
import { StepTaskArgs, stepTask } from "./step-task";

/** One cut of a roll or join plan: a task (none when the cut has no command), then the member the platform starts or replaces. */
export interface ChainStep {
    /** Runs before `then`; undefined when there is nothing to run (the member waits for what came before). */
    task?: TaskSpec;
    /** The member's ordinal; undefined for the last cut (the final health check). */
    then?: number;
}

/**
 * The cuts of `plan` as chain steps: cut k (from 1) runs as task `<prefix>-<k>` with `base`'s
 * image, component and secrets.
 */
export function chainSteps(plan: Plan, prefix: string, base: Omit<StepTaskArgs, "name" | "commands" | "dependsOn">): ChainStep[] {
    return segments(plan).map((seg, k) => ({
        task: seg.commands.length ? stepTask({ ...base, name: `${prefix}-${k + 1}`, commands: seg.commands }) : undefined,
        then: seg.then?.ordinal,
    }));
}

/** What {@link chainMembers} built. */
export interface Chain {
    /** The members started or replaced, by ordinal (lowest first). */
    members: DeployedGroup["members"];
    /** What the last link is: the last task, or the last member when the plan ends on one. */
    ready: pulumi.Resource[];
}

/**
 * Registers `steps` in turn: each task after what came before it, each member (a group of one
 * from `member`) after its task.
 * @param start what the first link waits for.
 * @param member registers member `ordinal` as a group of one that waits for `dependsOn`.
 */
export function chainMembers(
    platform: Platform,
    parent: pulumi.Resource,
    steps: ChainStep[],
    start: pulumi.Resource[],
    member: (ordinal: number, dependsOn: pulumi.Resource[]) => DeployedGroup,
): Chain {
    const members: DeployedGroup["members"] = [];
    let previous = start;
    for (const step of steps) {
        if (step.task) previous = [platform.runTask({ ...step.task, dependsOn: previous }, parent)];
        if (step.then === undefined) continue;
        const deployed = member(step.then, previous);
        members.push(...deployed.members);
        previous = deployed.ready;
    }
    return { members: members.sort((x, y) => x.ordinal - y.ordinal), ready: previous };
}

/**
 * A digest (16 hex) of what reaches every member of a group: the architecture images are pulled
 * for, the image reference after the stack's substitutions, and the config values of `rolled`
 * fields (each lab's `member-spec.ts`). A different digest later means each member must be replaced.
 */
export function memberSpecDigest(
    arch: string,
    image: string,
    fields: Partial<Record<MemberGroupField, Record<string, unknown>>>,
    rolled: MemberGroupField[],
): string {
    return contentHash(JSON.stringify([arch, image, ...rolled.map((f) => fields[f] ?? {})]), 16);
}

/** Where the guard remembers group `group`'s spec digest in the lab's memory (labs/types.ts `ModelGroup.rolls`). */
export function memberSpecKey(group: string): string {
    return `${group}.memberSpec`;
}

/**
 * The member count of `group` that the last deployment recorded on `platform`: the guard state's
 * group fingerprint, or `counts[countPath]` (`tikv.stores`, `pd.members`), which every guard
 * state carries (components/guard.ts `guardState`). Undefined for a new stack, and when the last
 * deployment was on another platform (`allowReplace`): every member is new then, none leaves or rolls.
 */
export function deployedMembers(previous: GuardState | undefined, platform: string, group: string, countPath: string): number | undefined {
    if (previous?.platform !== undefined && previous.platform !== platform) return undefined;
    return previous?.groups?.[group]?.members ?? previous?.counts?.[countPath];
}

/**
 * Whether group `group` rolls on this `pulumi up`: on Docker, deployed there before with the same
 * member count ({@link deployedMembers}) and more than one member (one member has no one to hand
 * its work to: the guard asks for `allowReplace` then), and a remembered spec digest
 * ({@link memberSpecKey}) other than `spec`. Kubernetes StatefulSets roll their pods themselves; a
 * new stack, or one moved from another platform, has nothing to roll.
 * @param countPath the group's count in the config (`tikv.stores`), for states that only carry counts.
 * @returns `spec` when it rolls, else undefined.
 */
export function rollRevision(
    previous: GuardState | undefined,
    platform: string,
    group: { name: string; countPath: string; members: number; spec: string },
): string | undefined {
    if (platform !== "docker") return undefined;
    const before = previous?.memory?.[memberSpecKey(group.name)];
    if (typeof before !== "string" || before === group.spec) return undefined;
    const deployed = deployedMembers(previous, platform, group.name, group.countPath);
    return deployed === group.members && group.members > 1 ? group.spec : undefined;
}
