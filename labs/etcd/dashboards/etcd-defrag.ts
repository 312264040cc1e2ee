/**
 * One of the etcd lab's dashboards (puts, ranges, peers, compaction, defrag).
 * Metric names as etcd 3.5.17 defines them (go.etcd.io/etcd/server/v3@v3.5.17):
 * `etcdserver/metrics.go`, `wal/metrics.go`, `mvcc/backend/metrics.go`, `mvcc/metrics.go`,
 * `etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` and
 * `grpc_server_handled_total` (go-grpc-prometheus) need `--metrics=extensive`
 * (`embed/config.go`). `etcd_server_proposals_committed_total` and `_applied_total` are gauges
 * despite the suffix, hence `deriv` rather than `rate`.
 */
import { INSTANCE, defineDashboard, quantile } from "../../../dashboards/presets";

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
                    description:
                        "Share of the DB file not in use (freed by compaction, not yet given back): what a defrag returns. Drops to near 0 right after a defrag.",
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
                        "etcd_disk_backend_defrag_duration_seconds (etcd 3.5 server/mvcc/backend/metrics.go) times the whole defrag, including the defragBeforeCopy failpoint the defrag-delay scenario sleeps in.",
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
