/**
 * Builds the platform a stack runs on, from the registry of platforms (./registry.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { platformDefinition } from "./registry";
import { Platform } from "./types";
import { withImageSubstitutions } from "../images";

export * from "./types";
export { DockerPlatform } from "./docker";
export { KubernetesPlatform } from "./kubernetes";
export * from "./effects";
export * from "./registry";

/**
 * Builds the platform for a parsed stack config.
 *
 * @param config parsed stack config (`platform`, `arch`, `kubernetes.*`).
 * @param stack stack name, used to prefix Docker names.
 */
export function createPlatform(config: StackConfig, stack: string, opts?: pulumi.ComponentResourceOptions): Platform {
    // The stack's `images:` substitutions apply to every image a component asks for.
    return withImageSubstitutions(createBackend(config, stack, opts), config.images);
}

function createBackend(config: StackConfig, stack: string, opts?: pulumi.ComponentResourceOptions): Platform {
    const definition = platformDefinition(config.platform);
    if (!definition) throw new Error(`platform ${config.platform} is not registered (components/platform/registry.ts)`);
    return definition.create(config, stack, opts);
}
