/**
 * One of the etcd lab's dashboards (puts, ranges, peers, compaction, defrag).
 * Metric names as etcd 3.5.17 defines them (go.etcd.io/etcd/server/v3@v3.5.17):
 * `etcdserver/metrics.go`, `wal/metrics.go`, `mvcc/backend/metrics.go`, `mvcc/metrics.go`,
 * `etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` and
 * `grpc_server_handled_total` (go-grpc-prometheus) need `--metrics=extensive`
 * (`embed/config.go`). `etcd_server_proposals_committed_total` and `_applied_total` are gauges
 * despite the suffix, hence `deriv` rather than `rate`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `etcd-compaction`: database size, in-use size and quota, keys compacted, revisions. */
export const etcdCompaction = defineDashboard({
    uid: "etcd-compaction",
    title: "etcd compaction",
    tags: ["etcd"],
    instanceMetric: "etcd_mvcc_db_total_size_in_bytes",
    sections: [
        {
            title: "Database size",
            panels: [
                {
                    title: "DB size vs in use vs quota",
                    description:
                        "Compaction frees space inside the file (in use drops); only defrag shrinks the file. Hitting the quota raises a NOSPACE alarm.",
                    unit: "bytes",
                    queries: [
                        { expr: `max by (instance) (etcd_mvcc_db_total_size_in_bytes{${INSTANCE}})`, legend: "total {{instance}}" },
                        {
                            expr: `max by (instance) (etcd_mvcc_db_total_size_in_use_in_bytes{${INSTANCE}})`,
                            legend: "in use {{instance}}",
                        },
                        { expr: `max(etcd_server_quota_backend_bytes{${INSTANCE}})`, legend: "quota" },
                    ],
                },
                {
                    title: "Quota used",
                    description: "Share of the backend quota the DB file takes.",
                    unit: "percentunit",
                    queries: [
                        {
                            expr: `max by (instance) (etcd_mvcc_db_total_size_in_bytes{${INSTANCE}}) / on() group_left max(etcd_server_quota_backend_bytes)`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Keys compacted/s",
                    description:
                        "Revisions removed by compaction (etcd_debugging_mvcc_db_compaction_keys_total): zero while every key is written once, positive when puts supersede older revisions.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(etcd_debugging_mvcc_db_compaction_keys_total{${INSTANCE}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Current vs compacted revision",
                    description: "The store's revision and the revision compacted up to; the gap is the history kept.",
                    unit: "short",
                    queries: [
                        { expr: `max(etcd_debugging_mvcc_current_revision{${INSTANCE}})`, legend: "current" },
                        { expr: `max(etcd_debugging_mvcc_compact_revision{${INSTANCE}})`, legend: "compacted" },
                    ],
                },
                {
                    title: "Backend commit p99",
                    description: "Compaction adds commit work.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_disk_backend_commit_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
            ],
        },
    ],
});
