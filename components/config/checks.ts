/** Cross-key rules more than one lab states the same way. */
/**
 * `load.image` is required on Kubernetes when the load tool runs: the tool has no official image
 * and Kubernetes cannot run one built on this machine.
 * @param tool the tool's folder under docker/ (`go-ycsb`, `etcd-benchmark`).
 */
export function loadImageRequired(
    config: { platform: string; load: { enabled: boolean; image?: string } },
    tool: string,
): string[] {
    return config.platform === "kubernetes" && config.load.enabled && !config.load.image
        ? [`load.image: required on kubernetes (no official ${tool} image; build docker/${tool}/Dockerfile and push it), got nothing`]
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
