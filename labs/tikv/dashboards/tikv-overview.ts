/**
 * TiKV overview: regions and leaders per store, gRPC QPS and p99, raftstore append/commit/apply
 * latency, storage used/capacity per store. PD's view of the cluster is labs/tikv/dashboards/pd-overview.ts.
 * Metric names: tikv `components/raftstore/src/store/metrics.rs`,
 * `src/server/metrics.rs`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `tikv-overview`: regions, leaders, gRPC, raftstore, storage per store. */
export const tikvOverview = defineDashboard({
    uid: "tikv-overview",
    title: "TiKV overview",
    tags: ["tikv"],
    instanceMetric: "tikv_raftstore_region_count",
    sections: [
        {
            title: "Regions and leaders",
            panels: [
                {
                    title: "Regions per store",
                    description: "Region replicas each store holds; PD balances these after a scale-out.",
                    unit: "short",
                    queries: [
                        { expr: `sum by (instance) (tikv_raftstore_region_count{type="region", ${INSTANCE}})`, legend: "{{instance}}" },
                    ],
                },
                {
                    title: "Leaders per store",
                    description: "Raft leaders per store; reads and writes go to leaders, so this is the load split.",
                    unit: "short",
                    queries: [
                        { expr: `sum by (instance) (tikv_raftstore_region_count{type="leader", ${INSTANCE}})`, legend: "{{instance}}" },
                    ],
                },
            ],
        },
        {
            title: "gRPC",
            panels: [
                {
                    title: "gRPC QPS by type",
                    description: "Requests per second TiKV serves, by request type (raw_put, kv_get, …).",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (type) (rate(tikv_grpc_msg_duration_seconds_count{${INSTANCE}}[${RATE}]))`,
                            legend: "{{type}}",
                        },
                    ],
                },
                {
                    title: "gRPC p99 latency by type",
                    description: "99th percentile of TiKV's own request handling time.",
                    unit: "s",
                    queries: [{ expr: quantile(0.99, "tikv_grpc_msg_duration_seconds", INSTANCE, ["type"]), legend: "{{type}}" }],
                },
            ],
        },
        {
            title: "Raftstore",
            panels: [
                {
                    title: "Append log p99",
                    description: "Time to append Raft log entries to disk, per store.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "tikv_raftstore_append_log_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Commit log p99",
                    description: "Time from append to majority commit: includes the network round trip to followers.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "tikv_raftstore_commit_log_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Apply log p99",
                    description: "Time to apply committed entries to the state machine.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "tikv_raftstore_apply_log_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Leader missing",
                    description: "Regions whose leader is missing, per store. Should be 0 outside elections.",
                    unit: "short",
                    queries: [{ expr: `sum by (instance) (tikv_raftstore_leader_missing{${INSTANCE}})`, legend: "{{instance}}" }],
                },
            ],
        },
        {
            title: "Storage",
            panels: [
                {
                    title: "Store used vs capacity",
                    description: "Bytes used and capacity per store, as TiKV reports them.",
                    unit: "bytes",
                    queries: [
                        { expr: `sum by (instance) (tikv_store_size_bytes{type="used", ${INSTANCE}})`, legend: "used {{instance}}" },
                        {
                            expr: `sum by (instance) (tikv_store_size_bytes{type="capacity", ${INSTANCE}})`,
                            legend: "capacity {{instance}}",
                        },
                    ],
                },
            ],
        },
    ],
});
