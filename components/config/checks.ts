/** Cross-key rules more than one lab states the same way. */
import { platformDefinition } from "../platform/registry";

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
