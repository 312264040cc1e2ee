/**
 * One of the etcd lab's dashboards (puts, ranges, peers, compaction, defrag).
 * Metric names as etcd 3.5.17 defines them (go.etcd.io/etcd/server/v3@v3.5.17):
 * `etcdserver/metrics.go`, `wal/metrics.go`, `mvcc/backend/metrics.go`, `mvcc/metrics.go`,
 * `etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` and
 * `grpc_server_handled_total` (go-grpc-prometheus) need `--metrics=extensive`
 * (`embed/config.go`). `etcd_server_proposals_committed_total` and `_applied_total` are gauges
 * despite the suffix, hence `deriv` rather than `rate`.
 */
import { grpcMethod, INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** Dashboard `etcd-puts`: the write path (Put rate and latency, proposals, WAL fsync, backend commit). */
export const etcdPuts = defineDashboard({
    uid: "etcd-puts",
    title: "etcd puts",
    tags: ["etcd"],
    instanceMetric: "etcd_server_has_leader",
    sections: [
        {
            title: "Write path",
            panels: [
                {
                    title: "Put rate",
                    description: "Put RPCs per second per member (needs --metrics=extensive).",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(grpc_server_handling_seconds_count{${grpcMethod("Put")}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Put p99",
                    description: "Server-side Put latency: includes the WAL sync and apply; the fsync-delay scenario raises it.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "grpc_server_handling_seconds", grpcMethod("Put"), ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Proposals committed/s",
                    description: "Raft proposals committed per second (slope of a gauge).",
                    unit: "ops",
                    queries: [{ expr: `deriv(etcd_server_proposals_committed_total{${INSTANCE}}[${RATE}])`, legend: "{{instance}}" }],
                },
                {
                    title: "Proposals pending / failed",
                    description: "Pending proposals pile up when the disk or the leader is slow; failures mean lost leadership or quorum.",
                    unit: "short",
                    queries: [
                        { expr: `sum by (instance) (etcd_server_proposals_pending{${INSTANCE}})`, legend: "pending {{instance}}" },
                        {
                            expr: `sum by (instance) (rate(etcd_server_proposals_failed_total{${INSTANCE}}[${RATE}]))`,
                            legend: "failed/s {{instance}}",
                        },
                    ],
                },
                {
                    title: "Failed puts/s",
                    description:
                        "Put RPCs that returned an error, by code: ResourceExhausted is 'mvcc: database space exceeded' (the NOSPACE alarm of the db-size-limit scenario).",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance, grpc_code) (rate(grpc_server_handled_total{grpc_code!="OK", ${grpcMethod("Put")}}[${RATE}]))`,
                            legend: "{{grpc_code}} {{instance}}",
                        },
                    ],
                },
                {
                    title: "WAL fsync p99",
                    description:
                        "Times only the fdatasync inside WAL.sync (etcd 3.5 wal/wal.go): a slow disk shows here, but the fsync-delay failpoint (walBeforeSync) sleeps before this timer starts, so read Put p99 and Backend commit p99 for that scenario.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_disk_wal_fsync_duration_seconds", INSTANCE, ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Backend commit p99",
                    description:
                        "bbolt commit latency, including its fsync (etcd 3.5 mvcc/backend/batch_tx.go); the fsync-delay scenario's beforeCommit failpoint sleeps inside this timer.",
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
