/**
 * Which stack outputs lead to a lab's own health endpoint, and the path to ask there. Data, so a
 * new lab adds rows, not code. Each output is a URL (Docker: published on 127.0.0.1) or, on
 * Kubernetes, a hint `kubectl -n NS port-forward pod/X L:R  # then http://127.0.0.1:L…`.
 *
 * Sources: PD `GET /pd/api/v1/health` (https://docs.pingcap.com/tidb/stable/pd-configuration-file,
 * PD HTTP API `server/api/router.go`); TiKV status server `/status`
 * (https://docs.pingcap.com/tidb/stable/tikv-configuration-file#status-addr); Prometheus
 * `/-/ready` (https://prometheus.io/docs/prometheus/latest/management_api/); Grafana
 * `/api/health` (https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api);
 * etcd `/health` (https://etcd.io/docs/v3.5/op-guide/monitoring/#health-check); the sample app's
 * `/readyz` (app/README.md); TiKV-CDC `/api/v1/status` (tikv/migration `cdc/api`).
 */

/** An output (by key) and the path to append to the URL it names; `""` when the URL is already the endpoint. */
export interface HealthProbe {
    /** Output key, e.g. `pdClientUrls` (a string or a list of strings). */
    output: string;
    /** Path appended to the URL's origin; `""` keeps the URL's own path. */
    path: string;
    /** What the endpoint tells, for the check line. */
    what: string;
}

/** The probes, any lab: an output missing from a stack is skipped. */
export const HEALTH_PROBES: readonly HealthProbe[] = [
    { output: "pdClientUrls", path: "/pd/api/v1/health", what: "PD member health" },
    { output: "mainPdClientUrls", path: "/pd/api/v1/health", what: "main cluster PD health" },
    { output: "recoveryPdClientUrls", path: "/pd/api/v1/health", what: "recovery cluster PD health" },
    { output: "tikvStatusUrls", path: "", what: "TiKV status server" },
    { output: "etcdEndpoints", path: "/health", what: "etcd member health" },
    { output: "cdcApiUrls", path: "/api/v1/status", what: "TiKV-CDC capture status" },
    { output: "appUrl", path: "/readyz", what: "sample app readiness (SQL reachable)" },
    { output: "prometheusUrl", path: "/-/ready", what: "Prometheus ready" },
    { output: "grafanaUrl", path: "/api/health", what: "Grafana health" },
];

/** Where to ask: the URL, plus a port-forward to open first when the output is a kubectl hint. */
export interface HealthTarget {
    url: string;
    /** `kubectl` arguments of the port-forward (without `kubectl`), when the output is one. */
    portForward?: string[];
}

/**
 * Reads one output value into a target. Returns undefined for values that are neither an
 * http(s) URL nor a `kubectl … port-forward …  # then URL` hint (e.g. a SQL URL).
 */
export function healthTarget(value: string, path: string): HealthTarget | undefined {
    const hint = /^kubectl (-n \S+ port-forward \S+ \d+:\d+)\s+# then (https?:\/\/\S+)$/.exec(value.trim());
    const url = hint ? hint[2] : /^https?:\/\/\S+$/.test(value.trim()) ? value.trim() : undefined;
    if (!url) return undefined;
    const u = new URL(url);
    const full = path ? `${u.origin}${path}` : url;
    return { url: full, portForward: hint ? hint[1].split(" ") : undefined };
}
