/**
 * The load view of the TiKV lab: what go-ycsb does to TiKV, seen from TiKV (go-ycsb
 * prints its own figures to its log and exports no metrics). Metric names: tikv
 * `src/server/metrics.rs`, `src/storage/metrics.rs`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `tikv-load`: go-ycsb's load as TiKV serves it. */
export const tikvLoad = defineDashboard({
    uid: "tikv-load",
    title: "TiKV load (go-ycsb)",
    tags: ["tikv", "load"],
    instanceMetric: "tikv_grpc_msg_duration_seconds_count",
    sections: [
        {
            title: "Throughput",
            panels: [
                {
                    kind: "stat",
                    title: "Total ops/s",
                    description: "All gRPC requests per second across stores.",
                    unit: "ops",
                    queries: [{ expr: `sum(rate(tikv_grpc_msg_duration_seconds_count{${INSTANCE}}[${RATE}]))` }],
                },
                {
                    kind: "stat",
                    title: "Failed ops/s",
                    description: "gRPC requests that failed; should stay at 0 during a scale-out.",
                    unit: "ops",
                    queries: [{ expr: `sum(rate(tikv_grpc_msg_fail_total{${INSTANCE}}[${RATE}]))` }],
                },
                {
                    title: "Ops/s per store",
                    description: "Requests per store: a new store starts at 0 and picks up as leaders move to it.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(tikv_grpc_msg_duration_seconds_count{${INSTANCE}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "p99 by request type",
                    description: "go-ycsb's operations as TiKV serves them.",
                    unit: "s",
                    queries: [{ expr: quantile(0.99, "tikv_grpc_msg_duration_seconds", INSTANCE, ["type"]), legend: "{{type}}" }],
                },
            ],
        },
        {
            title: "Pressure",
            panels: [
                {
                    title: "Scheduler too busy",
                    description: "Writes rejected because the scheduler is saturated: the load target is too high for this lab.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(tikv_scheduler_too_busy_total{${INSTANCE}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "TiKV CPU",
                    description: "CPU seconds per second used by TiKV threads, per store.",
                    unit: "short",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(tikv_thread_cpu_seconds_total{${INSTANCE}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Engine size",
                    description: "RocksDB size per store and column family.",
                    unit: "bytes",
                    queries: [{ expr: `sum by (instance) (tikv_engine_size_bytes{${INSTANCE}})`, legend: "{{instance}}" }],
                },
            ],
        },
    ],
});
