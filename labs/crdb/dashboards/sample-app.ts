/**
 * The sample app next to the cluster: requests per second, latency and error rate of
 * `POST /login` and `GET /search`, the read/write split between the writer and reader pools,
 * DB errors by pool, and the spike. Metric names are the app's own (`app/src/metrics.ts`).
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** The user-facing routes (the page, probes and controls are left out). */
const ROUTES = `route=~"/login|/search", ${INSTANCE}`;

/** Dashboard `sample-app`: what the audience watches while the cluster grows and the spike hits. */
export const sampleApp = defineDashboard({
    uid: "sample-app",
    title: "Sample app",
    tags: ["cockroachdb", "sample-app"],
    instanceMetric: "app_http_requests_total",
    sections: [
        {
            title: "Requests",
            panels: [
                {
                    title: "Requests per second by route",
                    description: "POST /login (writes) and GET /search (reads). The spike shows as a step up for its duration.",
                    unit: "reqps",
                    queries: [{ expr: `sum by (route) (rate(app_http_requests_total{${ROUTES}}[${RATE}]))`, legend: "{{route}}" }],
                },
                {
                    title: "Error rate by route",
                    description:
                        "Share of answers with a 5xx status (database failures, or a route switched off from the live page). Must stay near 0 while nodes join.",
                    unit: "percentunit",
                    queries: [
                        {
                            expr: `sum by (route) (rate(app_http_requests_total{status=~"5..", ${ROUTES}}[${RATE}])) / sum by (route) (rate(app_http_requests_total{${ROUTES}}[${RATE}]))`,
                            legend: "{{route}}",
                        },
                    ],
                },
                {
                    title: "Latency p99 by route",
                    description: "99th percentile request duration. Rises during the spike and briefly while ranges rebalance.",
                    unit: "s",
                    queries: [{ expr: quantile(0.99, "app_http_request_duration_seconds", ROUTES, ["route"]), legend: "p99 {{route}}" }],
                },
                {
                    title: "Latency p50 by route",
                    description: "Median request duration.",
                    unit: "s",
                    queries: [{ expr: quantile(0.5, "app_http_request_duration_seconds", ROUTES, ["route"]), legend: "p50 {{route}}" }],
                },
            ],
        },
        {
            title: "Read/write split",
            panels: [
                {
                    title: "Queries per second by pool",
                    description:
                        "Writes go through the writer pool (crdb-writer, root); reads through the reader pool (crdb-reader, the read-only user) from phase 1 on.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (pool, op) (rate(app_db_query_duration_seconds_count{op=~"login|search", ${INSTANCE}}[${RATE}]))`,
                            legend: "{{pool}} {{op}}",
                        },
                    ],
                },
                {
                    title: "Reads go through",
                    description:
                        "1 for the pool reads use: the writer in phase 0 (no reader user yet), the reader from phase 1 on, with no redeploy.",
                    unit: "short",
                    queries: [{ expr: `max by (pool) (app_reads_via{${INSTANCE}})`, legend: "{{pool}}" }],
                },
                {
                    title: "DB query latency p99 by pool",
                    description: "99th percentile SQL duration per pool.",
                    unit: "s",
                    queries: [{ expr: quantile(0.99, "app_db_query_duration_seconds", INSTANCE, ["pool"]), legend: "p99 {{pool}}" }],
                },
                {
                    title: "DB errors by pool and SQLSTATE",
                    description:
                        "Failed queries: 'connect' is a connection failure, 42501 a refused write (the reader may not write), 40001 a retryable transaction conflict, 28000 on the reader in phase 0 its login attempts before phase 1 creates the user.",
                    unit: "ops",
                    queries: [
                        { expr: `sum by (pool, code) (rate(app_db_errors_total{${INSTANCE}}[${RATE}]))`, legend: "{{pool}} {{code}}" },
                    ],
                },
            ],
        },
        {
            title: "Spike and load",
            panels: [
                {
                    kind: "stat",
                    title: "Spike target",
                    description: "Requests per second the running spike aims at; 0 when none runs.",
                    unit: "reqps",
                    queries: [{ expr: `sum(app_spike_target_rps{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Spike requests in flight",
                    description: "Concurrent requests of the spike; near 0 while the database keeps up.",
                    unit: "short",
                    queries: [{ expr: `sum(app_spike_active_workers{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Background load",
                    description: "Requests per second of the app's own background load; 0 when stopped from the live page.",
                    unit: "reqps",
                    queries: [{ expr: `sum(app_load_target_rps{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Writers on",
                    description: "1 while POST /login is served; 0 after stop-writers on the live page.",
                    unit: "short",
                    queries: [{ expr: `min(app_control_enabled{control="writers", ${INSTANCE}})` }],
                },
            ],
        },
    ],
});
