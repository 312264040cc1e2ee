/**
 * The app cluster lab's generic dashboard: any image, so only what every Prometheus target
 * has (`up`, set by Prometheus for each scrape: prometheus.io/docs/concepts/jobs_instances/)
 * and the common HTTP server metric names, which show data when the image follows them:
 * `http_requests_total` (counter) and `http_request_duration_seconds` (histogram), the names
 * Prometheus's instrumentation guide and client libraries use
 * (prometheus.io/docs/practices/naming/, prometheus/client_golang `promhttp`).
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `app-cluster`: nodes up/down, request rate and latency. */
export const appCluster = defineDashboard({
    uid: "app-cluster",
    title: "App cluster",
    tags: ["appcluster"],
    instanceMetric: 'up{job="app"}',
    sections: [
        {
            title: "Nodes",
            panels: [
                {
                    title: "Nodes up",
                    description: "Nodes whose metrics endpoint answered the last scrape, of all configured nodes.",
                    unit: "short",
                    kind: "stat",
                    queries: [
                        { expr: 'sum(up{job="app"})', legend: "up" },
                        { expr: 'count(up{job="app"})', legend: "configured" },
                    ],
                },
                {
                    title: "Up per node",
                    description: "1 while a node answers its scrape, 0 while it is down (a stopped node in the fault drill shows 0).",
                    unit: "short",
                    queries: [{ expr: `up{job="app", ${INSTANCE}}`, legend: "{{instance}}" }],
                },
            ],
        },
        {
            title: "Requests",
            panels: [
                {
                    title: "Request rate",
                    description: "HTTP requests per second per node (http_requests_total, when the image exports it).",
                    unit: "reqps",
                    queries: [{ expr: `sum by (instance) (rate(http_requests_total{${INSTANCE}}[${RATE}]))`, legend: "{{instance}}" }],
                },
                {
                    title: "Request latency p99",
                    description: "HTTP request latency per node (http_request_duration_seconds histogram, when exported).",
                    unit: "s",
                    queries: [{ expr: quantile(0.99, "http_request_duration_seconds", INSTANCE, ["instance"]), legend: "{{instance}}" }],
                },
            ],
        },
    ],
});
