/**
 * One of the etcd lab's dashboards (puts, ranges, peers, compaction, defrag).
 * Metric names: etcd `server/etcdserver/metrics.go`, `server/storage/{wal,backend,mvcc}/metrics.go`,
 * `server/etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` needs
 * `--metrics=extensive` (etcd `server/etcdmain/help.go`). `etcd_server_proposals_committed_total` and `_applied_total`
 * are gauges despite the suffix, hence `deriv` rather than `rate`.
 */
import { INSTANCE, defineDashboard, quantile } from "./presets";

/** Dashboard `etcd-defrag`: fragmentation and defrag duration. */
export const etcdDefrag = defineDashboard({
    uid: "etcd-defrag",
    title: "etcd defrag",
    tags: ["etcd"],
    instanceMetric: "etcd_mvcc_db_total_size_in_bytes",
    sections: [
        {
            title: "Defragmentation",
            panels: [
                {
                    title: "Fragmentation",
                    description: "Share of the DB file not in use: what a defrag would give back.",
                    unit: "percentunit",
                    queries: [
                        {
                            expr: `1 - max by (instance) (etcd_mvcc_db_total_size_in_use_in_bytes{${INSTANCE}}) / max by (instance) (etcd_mvcc_db_total_size_in_bytes{${INSTANCE}})`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Defrag duration p99",
                    description:
                        "etcd_disk_backend_defrag_duration_seconds (etcd server/storage/backend/metrics.go); the defrag-delay scenario stretches it.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_disk_backend_defrag_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Has leader during defrag",
                    description: "A long defrag blocks the member; with a leader on it, followers may call an election.",
                    unit: "short",
                    queries: [{ expr: `etcd_server_has_leader{${INSTANCE}}`, legend: "{{instance}}" }],
                },
                {
                    title: "WAL fsync p99",
                    description: "Disk pressure from a defrag can slow the WAL.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_disk_wal_fsync_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
            ],
        },
    ],
});
