/**
 * The platforms a stack can run on, by the name `clusterlab:platform` takes. Each entry says
 * how to build the platform and what it knows about itself ({@link PlatformTraits}). Adding a
 * platform: one file implementing `Platform` and its traits, and one entry (or, in a test,
 * {@link registerPlatform}).
 */
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_TRAITS, DockerPlatform } from "./docker";
import { PlatformConfig, PlatformTraits } from "./effects";
import { KubernetesPlatform } from "./kubernetes";
import { KUBERNETES_TRAITS } from "./kubernetes-traits";
import { Platform } from "./types";

/** One platform. */
export interface PlatformDefinition {
    /** The `platform:` value, e.g. `docker`. */
    name: string;
    traits: PlatformTraits;
    /**
     * Builds the platform for a stack (registers its shared resources: a Docker network, a
     * Kubernetes provider and namespace).
     * @param lab the lab's name (labels); @param stack the stack's name (Docker name prefix).
     */
    create(config: PlatformConfig & { lab: string }, stack: string, opts?: pulumi.ComponentResourceOptions): Platform;
}

/** The built-in platforms. */
export const PLATFORM_DEFINITIONS: readonly PlatformDefinition[] = [
    {
        name: "docker",
        traits: DOCKER_TRAITS,
        create: (config, stack, opts) =>
            new DockerPlatform("docker", { lab: config.lab, stack, arch: config.arch as "amd64" | "arm64" }, opts),
    },
    {
        name: "kubernetes",
        traits: KUBERNETES_TRAITS,
        create: (config, _stack, opts) =>
            new KubernetesPlatform(
                "kubernetes",
                {
                    lab: config.lab,
                    namespace: config.kubernetes.namespace,
                    context: config.kubernetes.context,
                    renderYamlToDirectory: config.kubernetes.renderYamlToDirectory,
                    storageClassName: config.kubernetes.storageClassName,
                },
                opts,
            ),
    },
];

const EXTRA: PlatformDefinition[] = [];

/** The built-in platforms, then those a test added. */
export function allPlatforms(): readonly PlatformDefinition[] {
    return [...PLATFORM_DEFINITIONS, ...EXTRA];
}

/** The platform called `name`, or undefined. */
export function platformDefinition(name: string): PlatformDefinition | undefined {
    return allPlatforms().find((p) => p.name === name);
}

/**
 * Adds a platform at run time (a test's third platform): config accepts its name, and the guard
 * and the builders use it like a built-in one.
 * @throws Error when a platform of that name exists.
 */
export function registerPlatform(definition: PlatformDefinition): void {
    if (platformDefinition(definition.name)) throw new Error(`platform ${definition.name} is already registered`);
    EXTRA.push(definition);
}

/** Removes a platform added by {@link registerPlatform}. */
export function unregisterPlatform(name: string): void {
    const i = EXTRA.findIndex((p) => p.name === name);
    if (i >= 0) EXTRA.splice(i, 1);
}

/** Every provider resource type that holds data on any platform, with its replace-forcing input paths. */
export function statefulTypes(): Record<string, RegExp> {
    return Object.assign({}, ...allPlatforms().map((p) => p.traits.statefulTypes));
}
