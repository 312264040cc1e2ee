/**
 * One of the etcd lab's dashboards (puts, ranges, peers, compaction, defrag).
 * Metric names: etcd `server/etcdserver/metrics.go`, `server/storage/{wal,backend,mvcc}/metrics.go`,
 * `server/etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` needs
 * `--metrics=extensive` (etcd `server/etcdmain/help.go`). `etcd_server_proposals_committed_total` and `_applied_total`
 * are gauges despite the suffix, hence `deriv` rather than `rate`.
 */
import { INSTANCE, defineDashboard, quantile } from "./presets";

/** Dashboard `etcd-compaction`: database size, in-use size and quota. */
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
