/**
 * Composes a lab from a parsed stack config: the platform, the lab's own builder (found in the
 * registry of labs, labs/index.ts), then its monitoring bundle on Prometheus and Grafana.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config";
import { GuardState, previousMemory } from "./guard";
import { observe } from "./observability/observe";
import { createPlatform } from "./platform";
import { labDefinition } from "../labs";
import type { LabOutputs } from "../labs/types";

/** What {@link buildLab} registered. */
export interface BuiltLab {
    /** The stack outputs users read. */
    outputs: LabOutputs;
    /** Resolves once every member group and task is in place; rejects when one failed (components/platform/types.ts `settled`). */
    settled: pulumi.Output<void>;
}

/**
 * Registers every resource of the lab a config describes.
 * @param stack stack name (prefixes Docker names).
 * @param previous the last deployment's guard state (undefined for a new stack).
 * @returns the stack outputs, and when everything is in place.
 * @throws Error when `config.lab` is not registered.
 */
export function buildLab(config: StackConfig, stack: string, previous?: GuardState): BuiltLab {
    const lab = labDefinition(config.lab);
    if (!lab) throw new Error(`lab ${config.lab} is not registered in labs/index.ts`);
    const platform = createPlatform(config, stack);
    const { outputs, monitoring } = lab.build(config as never, platform, { stack, previous, memory: previousMemory(previous) });
    // Every lab's monitoring is wired the same way: Prometheus and Grafana as `observability` says.
    const all = { platform: config.platform, ...outputs, ...observe(config, platform, monitoring) };
    return { outputs: all, settled: platform.settled() };
}
