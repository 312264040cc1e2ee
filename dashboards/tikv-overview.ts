/**
 * TiKV/PD overview: stores up/down, regions and leaders per store, gRPC QPS and p99,
 * raftstore append/commit/apply latency, storage used/capacity.
 * Metric names: tikv/pd `pkg/statistics/metrics.go`; tikv `components/raftstore/src/store/metrics.rs`,
 * `src/server/metrics.rs`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "./presets";

/** Dashboard `tikv-overview`: stores, regions, leaders, gRPC, raftstore, storage. */
export const tikvOverview = defineDashboard({
    uid: "tikv-overview",
    title: "TiKV / PD overview",
    tags: ["tikv", "pd"],
    instanceMetric: "tikv_raftstore_region_count",
    sections: [
        {
            title: "Cluster (as PD sees it)",
            panels: [
                {
                    kind: "stat",
                    title: "Stores up",
                    description: "Stores PD considers up. Should equal the configured store count.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="store_up_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Stores down",
                    description: "Stores PD has not heard from within max-store-down-time. Anything above 0 needs a look.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="store_down_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Regions",
                    description: "Total regions in the cluster.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_cluster_status{type="region_count"})' }],
                },
                {
                    kind: "stat",
                    title: "Missing-peer regions",
                    description:
                        "Regions with fewer replicas than max-replicas; grows while a store is down or a new store is catching up.",
                    unit: "short",
                    queries: [{ expr: 'max(pd_regions_status{type="miss-peer-region-count"})' }],
                },
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
                {
                    title: "Cluster storage",
                    description: "Cluster-wide storage size and capacity, as PD sums them.",
                    unit: "bytes",
                    queries: [
                        { expr: 'max(pd_cluster_status{type="storage_size"})', legend: "size" },
                        { expr: 'max(pd_cluster_status{type="storage_capacity"})', legend: "capacity" },
                    ],
                },
            ],
        },
    ],
});
