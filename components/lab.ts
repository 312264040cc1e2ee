/**
 * Composes a lab from a parsed stack config: the platform, then the lab's own builder, found in
 * the registry of labs (labs/index.ts).
 */
import type { StackConfig } from "./config";
import type { GuardState } from "./guard";
import { createPlatform } from "./platform";
import { labDefinition } from "../labs";
import type { LabOutputs } from "../labs/types";

/**
 * Registers every resource of the lab a config describes.
 * @param stack stack name (prefixes Docker names).
 * @param previous the last deployment's guard state (undefined for a new stack).
 * @returns the stack outputs.
 * @throws Error when `config.lab` is not registered.
 */
export function buildLab(config: StackConfig, stack: string, previous?: GuardState): LabOutputs {
    const lab = labDefinition(config.lab);
    if (!lab) throw new Error(`lab ${config.lab} is not registered in labs/index.ts`);
    return { platform: config.platform, ...lab.build(config as never, createPlatform(config, stack), { stack, previous }) };
}
