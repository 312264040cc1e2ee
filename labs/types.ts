/**
 * What a lab is to the rest of the program: a {@link LabDefinition} (its config schema and
 * checks, its builder, what the guard needs to know) registered once in labs/index.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { HostPortKey } from "../components/config/ports";
import type { GuardState } from "../components/guard";
import type { MonitoringBundle } from "../components/observability/observe";
import type { MemberGroupField } from "../components/platform/effects";
import type { Platform } from "../components/platform";

/** What a lab builder may need besides its config and platform. */
export interface LabContext {
    /** Stack name (etcd's `--initial-cluster-token`). */
    stack: string;
    /** The last deployment's guard state; undefined for a new stack. */
    previous?: GuardState;
    /** What this lab remembered of the last deployment ({@link LabDefinition.remember}); `{}` for a new stack. */
    memory: LabMemory;
}

/** The stack outputs of a lab: names → values users read after `pulumi up`. */
export type LabOutputs = Record<string, pulumi.Input<unknown>>;

/**
 * What a lab's builder hands back: its outputs, and its monitoring bundle (scrape jobs,
 * dashboards, alert rule files), which the generic step (components/lab.ts) gives to
 * Prometheus and Grafana as the stack's `observability` settings say.
 */
export interface LabBuild {
    outputs: LabOutputs;
    monitoring: MonitoringBundle;
}

/**
 * What a lab remembers of a deployed config for its own transition checks: plain JSON, stored in
 * the stack's guard output (`clusterlabGuard.lab`), `{}` for stacks deployed before it existed.
 */
export type LabMemory = Record<string, unknown>;

/**
 * A member group of a lab's model, as the guard sees it: the members (in the database's own
 * words in `scaleIn.removes`), whether they hold data, and per field the config values that
 * reach it, by config path (`{ image: { version: "v8.5.1" } }`). A value that reaches no
 * resource in this config is recorded as null (e.g. `etcd.failpointPort` without a failpoint build).
 * What a change of each field does is the platform's knowledge (components/platform/effects.ts).
 */
export interface ModelGroup {
    /** Group name, e.g. `pd`, `tikv`, `crdb`. */
    name: string;
    /** Number of members. */
    members: number;
    /** Whether the members hold data (a volume per member). */
    stateful: boolean;
    /** The count's config path, what fewer members removes, and the flag that allows it; absent when the count is not the user's. */
    scaleIn?: { path: string; removes: string; allow: string };
    /** Config values reaching each field of the group, by config path. */
    fields: Partial<Record<MemberGroupField, Record<string, unknown>>>;
    /**
     * A change the lab itself applies one member at a time, each healthy before the next (its own
     * ordered steps: labs/roll.ts), whatever the platform would do with it at once: `fields` are
     * those it rolls, `spec` the digest of what reaches every member now (labs/roll.ts
     * `memberSpecDigest`). The guard remembers `spec` as `<name>.memberSpec`, and treats a change of
     * `fields` as a roll when the group has more than one member, that digest was remembered
     * (without it the lab cannot tell the spec changed), and the member count stays (a group
     * cannot join or leave members and roll in one `pulumi up`).
     */
    rolls?: { fields: MemberGroupField[]; spec: string };
}

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
    /** Registers the lab's members and tasks on `platform`; returns its outputs and monitoring bundle. */
    build(config: z.infer<S>, platform: Platform, context: LabContext): LabBuild;
    /** The lab's member groups as the guard sees them (a pure function of the config). */
    groups(config: z.infer<S>): ModelGroup[];
    /**
     * What of a deployed config {@link transitionProblems} and the builder need later (stored in
     * the guard output), e.g. the CockroachDB lab's first deployed phase.
     * @param previous what was remembered of the deployment before (`{}` for a new stack): carries lab state forward.
     */
    remember?(config: z.infer<S>, previous: LabMemory): LabMemory;
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
