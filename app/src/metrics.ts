/**
 * The app's Prometheus metrics (prom-client), served at `/metrics` in the text exposition
 * format. Names follow Prometheus naming practice (prometheus.io/docs/practices/naming):
 * base units (seconds), `_total` on counters.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `app_http_requests_total` | counter | `route`, `method`, `status` |
 * | `app_http_request_duration_seconds` | histogram | `route` |
 * | `app_db_query_duration_seconds` | histogram | `pool` (writer/reader), `op` |
 * | `app_db_errors_total` | counter | `pool`, `op`, `code` (SQLSTATE or `connect`) |
 * | `app_reads_via` | gauge | `pool`: 1 for the pool reads currently use |
 * | `app_spike_active_workers` | gauge | requests of a spike in flight |
 * | `app_spike_target_rps` | gauge | the running spike's rate, 0 when none |
 * | `app_load_target_rps` | gauge | the background load's rate, 0 when stopped |
 * | `app_control_enabled` | gauge | `control` (load/readers/writers): 1 on, 0 off |
 * plus prom-client's default process metrics (`process_cpu_seconds_total`, `nodejs_*`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Latency buckets, seconds: 1 ms .. 5 s (the app's requests are single-row SQL on a LAN). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One registry per app instance, so tests can run several apps in one process. */
export class AppMetrics {
    readonly registry = new Registry();
    readonly httpRequests = new Counter({
        name: "app_http_requests_total",
        help: "HTTP requests answered, by route template, method and status code.",
        labelNames: ["route", "method", "status"] as const,
        registers: [this.registry],
    });
    readonly httpDuration = new Histogram({
        name: "app_http_request_duration_seconds",
        help: "HTTP request duration in seconds, by route template.",
        labelNames: ["route"] as const,
        buckets: BUCKETS,
        registers: [this.registry],
    });
    readonly dbDuration = new Histogram({
        name: "app_db_query_duration_seconds",
        help: "Duration of SQL queries in seconds, by pool (writer/reader) and operation.",
        labelNames: ["pool", "op"] as const,
        buckets: BUCKETS,
        registers: [this.registry],
    });
    readonly dbErrors = new Counter({
        name: "app_db_errors_total",
        help: "Failed SQL queries, by pool, operation and SQLSTATE (or 'connect' for connection failures).",
        labelNames: ["pool", "op", "code"] as const,
        registers: [this.registry],
    });
    readonly readsVia = new Gauge({
        name: "app_reads_via",
        help: "1 for the pool reads currently go through (reader, or writer while the reader cannot log in).",
        labelNames: ["pool"] as const,
        registers: [this.registry],
    });
    readonly spikeWorkers = new Gauge({
        name: "app_spike_active_workers",
        help: "Requests of the running spike currently in flight.",
        registers: [this.registry],
    });
    readonly spikeTargetRps = new Gauge({
        name: "app_spike_target_rps",
        help: "Requests per second the running spike aims at; 0 when no spike runs.",
        registers: [this.registry],
    });
    readonly loadTargetRps = new Gauge({
        name: "app_load_target_rps",
        help: "Requests per second of the background load; 0 when stopped.",
        registers: [this.registry],
    });
    readonly controls = new Gauge({
        name: "app_control_enabled",
        help: "The live page's switches: 1 on, 0 off (load, readers, writers).",
        labelNames: ["control"] as const,
        registers: [this.registry],
    });

    constructor() {
        collectDefaultMetrics({ register: this.registry });
    }
}
