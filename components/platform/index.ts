/**
 * Picks the platform a stack runs on. The only place that knows both backends exist.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { DockerPlatform } from "./docker";
import { KubernetesPlatform } from "./kubernetes";
import { Platform } from "./types";
import { withImageSubstitutions } from "../images";

export * from "./types";
export { DockerPlatform } from "./docker";
export { KubernetesPlatform } from "./kubernetes";

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
    if (config.platform === "docker") {
        return new DockerPlatform("docker", { lab: config.lab, stack, arch: config.arch }, opts);
    }
    return new KubernetesPlatform(
        "kubernetes",
        {
            lab: config.lab,
            namespace: config.kubernetes.namespace,
            context: config.kubernetes.context,
            renderYamlToDirectory: config.kubernetes.renderYamlToDirectory,
            storageClassName: config.kubernetes.storageClassName,
        },
        opts,
    );
}
