/**
 * CockroachDB overview: live nodes, SQL QPS, p50/p95/p99 service latency, capacity.
 * Metric names (internal names with `.`/`-` → `_`): cockroach `pkg/sql/exec_util.go`,
 * `pkg/kv/kvserver/metrics.go`, `pkg/server/status/recorder.go`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `crdb-overview`: nodes, SQL throughput and latency, capacity. */
export const crdbOverview = defineDashboard({
    uid: "crdb-overview",
    title: "CockroachDB overview",
    tags: ["cockroachdb"],
    instanceMetric: "sys_uptime",
    sections: [
        {
            title: "Nodes",
            panels: [
                {
                    kind: "stat",
                    title: "Live nodes",
                    description: "Nodes the cluster considers live. Watch it step 1 → 2 → 3 across the phases.",
                    unit: "short",
                    queries: [{ expr: "max(liveness_livenodes)" }],
                },
                {
                    kind: "stat",
                    title: "SQL connections",
                    description: "Open SQL client connections across nodes.",
                    unit: "short",
                    queries: [{ expr: `sum(sql_conns{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Uptime (min)",
                    description: "Shortest node uptime: a restart shows up here.",
                    unit: "s",
                    queries: [{ expr: `min(sys_uptime{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Clock offset",
                    description: "Mean clock offset to other nodes.",
                    unit: "ns",
                    queries: [{ expr: `max(clock_offset_meannanos{${INSTANCE}})` }],
                },
            ],
        },
        {
            title: "SQL",
            panels: [
                {
                    title: "SQL QPS by statement",
                    description: "Statements per second: the workload keeps this flat through every phase.",
                    unit: "ops",
                    queries: [
                        { expr: `sum(rate(sql_select_count{${INSTANCE}}[${RATE}]))`, legend: "select" },
                        { expr: `sum(rate(sql_insert_count{${INSTANCE}}[${RATE}]))`, legend: "insert" },
                        { expr: `sum(rate(sql_update_count{${INSTANCE}}[${RATE}]))`, legend: "update" },
                        { expr: `sum(rate(sql_delete_count{${INSTANCE}}[${RATE}]))`, legend: "delete" },
                    ],
                },
                {
                    title: "Service latency",
                    description: "SQL service latency percentiles (the histogram is in nanoseconds).",
                    unit: "ns",
                    queries: [
                        { expr: quantile(0.5, "sql_service_latency", INSTANCE), legend: "p50" },
                        { expr: quantile(0.95, "sql_service_latency", INSTANCE), legend: "p95" },
                        { expr: quantile(0.99, "sql_service_latency", INSTANCE), legend: "p99" },
                    ],
                },
            ],
        },
        {
            title: "Capacity",
            panels: [
                {
                    title: "Capacity",
                    description: "Store capacity, used and available bytes, summed over nodes.",
                    unit: "bytes",
                    queries: [
                        { expr: `sum(capacity{${INSTANCE}})`, legend: "capacity" },
                        { expr: `sum(capacity_used{${INSTANCE}})`, legend: "used" },
                        { expr: `sum(capacity_available{${INSTANCE}})`, legend: "available" },
                    ],
                },
                {
                    title: "Used per node",
                    description: "Bytes used per node: new nodes fill as replicas move to them.",
                    unit: "bytes",
                    queries: [{ expr: `sum by (instance) (capacity_used{${INSTANCE}})`, legend: "{{instance}}" }],
                },
            ],
        },
    ],
});
