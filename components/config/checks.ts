/** Cross-key rules more than one lab states the same way. */
import { totalmem } from "node:os";
import { repositoryOf } from "../images";
import { platformDefinition } from "../platform/registry";
import { nearest } from "./errors";

/**
 * Whether the stack's platform can run an image built on this machine (its `buildImages`
 * capability: Docker can, Kubernetes cannot). Where it cannot, a tool with no official image
 * needs a pushed reference.
 */
export function canBuildImages(platform: string): boolean {
    return platformDefinition(platform)?.traits.capabilities.buildImages ?? false;
}

/**
 * `load.image` is required where the platform cannot run a local build and the load tool runs:
 * the tool has no official image.
 * @param tool the tool's folder under docker/ (`go-ycsb`, `etcd-benchmark`).
 */
export function loadImageRequired(config: { platform: string; load: { enabled: boolean; image?: string } }, tool: string): string[] {
    return !canBuildImages(config.platform) && config.load.enabled && !config.load.image
        ? [
              `load.image: required on ${config.platform} (no official ${tool} image; build docker/${tool}/Dockerfile and push it), got nothing`,
          ]
        : [];
}

/** Grafana reads Prometheus as its only datasource: Grafana on with Prometheus off is refused. */
export function observabilityProblems(o: { enabled: boolean; prometheus: boolean; grafana: boolean }): string[] {
    return o.enabled && o.grafana && !o.prometheus
        ? [
              "observability.grafana: Grafana reads Prometheus as its only datasource; set observability.prometheus: true or observability.grafana: false, got grafana true with prometheus false",
          ]
        : [];
}

/** This machine's memory in MiB (Node.js `os.totalmem()`, nodejs.org/api/os.html#ostotalmem): what Docker's containers share. */
export function machineMemoryMiB(): number {
    return Math.floor(totalmem() / 1024 ** 2);
}

/**
 * Repositories the labs run from a registry by default (each lab's config and components name
 * the tag): what an `images:` key may name besides the images the stack's own config names.
 * Locally built images (`clusterlab/…`) are not substituted: their keys are `load.image`, `cdc.image`, ….
 */
export const DEFAULT_IMAGE_REPOSITORIES: readonly string[] = [
    "pingcap/pd",
    "pingcap/tikv",
    "cockroachdb/cockroach",
    "gcr.io/etcd-development/etcd",
    "curlimages/curl",
    "prom/prometheus",
    "grafana/grafana",
];

/** Image references the config itself names (`app.image`, `etcd.failpointImage`, `load.image`, …): every string under a key ending in `image`/`Image`. */
function configuredImages(node: unknown): string[] {
    if (!node || typeof node !== "object") return [];
    return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
        key === "images" ? [] : /[iI]mage$/.test(key) && typeof value === "string" ? [value] : configuredImages(value),
    );
}

/**
 * Each `images:` key that names no image the stack runs (a typo such as `prom/promethues` would
 * otherwise be ignored), with the nearest known repository.
 * @param config a parsed stack config.
 */
export function imageKeyProblems(config: { images: Record<string, string> }): string[] {
    const own = configuredImages(config);
    const known = [...DEFAULT_IMAGE_REPOSITORIES, ...own.map(repositoryOf), ...own];
    return Object.keys(config.images)
        .filter((key) => !known.includes(key) && !known.includes(repositoryOf(key)))
        .map((key) => {
            const guess = nearest(key, known);
            return `images.${key}: names no image this stack runs${guess ? ` (did you mean images.${guess}?)` : ""}; keys are repositories or references such as ${[...new Set(known.map(repositoryOf))].join(", ")}`;
        });
}
