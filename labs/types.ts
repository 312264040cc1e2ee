/**
 * What a lab is to the rest of the program: a {@link LabDefinition} (its config schema and
 * checks, its builder, what the guard needs to know) registered once in labs/index.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { HostPortKey } from "../components/config/ports";
import type { GuardState } from "../components/guard";
import type { CountRule, ReplacingRule, SwitchRule } from "../components/guard-rules";
import type { Platform } from "../components/platform";

/** What a lab builder may need besides its config and platform. */
export interface LabContext {
    /** Stack name (etcd's `--initial-cluster-token`). */
    stack: string;
    /** The last deployment's guard state; undefined for a new stack. */
    previous?: GuardState;
}

/** The stack outputs of a lab: names → values users read after `pulumi up`. */
export type LabOutputs = Record<string, pulumi.Input<unknown>>;

/**
 * What a lab remembers of a deployed config for its own transition checks: plain JSON, stored in
 * the stack's guard output (`clusterlabGuard.lab`), `{}` for stacks deployed before it existed.
 */
export type LabMemory = Record<string, unknown>;

/**
 * One lab. `S` is its config schema: a zod strict object whose `lab` field is a literal (the
 * value of `clusterlab:lab`), spreading components/config/common.ts's `common` settings.
 */
export interface LabDefinition<S extends z.ZodObject = z.ZodObject> {
    /** The `lab:` value, e.g. `tikv`. */
    name: string;
    /** The lab's config schema (every default stated on its field). */
    schema: S;
    /** Host ports the lab publishes (checked for overlaps with each other and the shared ones). */
    hostPorts: HostPortKey[];
    /**
     * Rules that span keys, one line per problem (`key: what is allowed, got <value>`).
     * @param userSet whether the user wrote `path` (before defaults): name the key the user set.
     */
    crossChecks?(config: z.infer<S>, userSet: (path: string) => boolean): string[];
    /** Registers every resource of the lab on `platform`; returns the stack outputs. */
    build(config: z.infer<S>, platform: Platform, context: LabContext): LabOutputs;
    /** What the guard refuses for this lab: counts that must not go down, values whose change replaces, switches. */
    guard: { counts: CountRule[]; replacing: ReplacingRule[]; switches?: SwitchRule[] };
    /** Lab state the guard output carries forward (the CockroachDB lab's `firstPhase`). */
    guardExtras?(config: z.infer<S>, previous?: GuardState): Partial<GuardState>;
    /** What of a deployed config {@link transitionProblems} needs later (stored in the guard output). */
    remember?(config: z.infer<S>): LabMemory;
    /**
     * Domain preconditions of a change, reported with the guard's own refusals (below the
     * replication factor, scale-in and upgrade in one change, a version skip, …).
     * @param previous what {@link remember} returned for the deployed config; `{}` when nothing was remembered.
     * @param next the new config, parsed.
     * @returns one line per refusal, naming the key the user changed and the flag that allows it.
     */
    transitionProblems?(previous: LabMemory, next: z.infer<S>): string[];
}

/** Declares a lab, keeping its schema's type (for the registry's union of configs). */
export function defineLab<S extends z.ZodObject>(definition: LabDefinition<S>): LabDefinition<S> {
    return definition;
}
