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

/** Dashboard `etcd-ranges`: the read path (Range rate and latency, applies). */
export const etcdRanges = defineDashboard({
    uid: "etcd-ranges",
    title: "etcd ranges",
    tags: ["etcd"],
    instanceMetric: "etcd_server_has_leader",
    sections: [
        {
            title: "Read path",
            panels: [
                {
                    title: "Range rate",
                    description: "Range RPCs per second per member; linearizable reads (consistency=l) go through the leader's read index.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(grpc_server_handling_seconds_count{${grpcMethod("Range")}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Range p99",
                    description: "Server-side Range latency per member.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "grpc_server_handling_seconds", grpcMethod("Range"), ["instance"]),
                            legend: "{{instance}}",
                        },
                    ],
                },
                {
                    title: "Proposals applied/s",
                    description: "Applied proposals per second; linearizable reads wait for apply.",
                    unit: "ops",
                    queries: [{ expr: `deriv(etcd_server_proposals_applied_total{${INSTANCE}}[${RATE}])`, legend: "{{instance}}" }],
                },
                {
                    title: "Slow applies",
                    description: "Applies that took longer than expected.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (instance) (rate(etcd_server_slow_apply_total{${INSTANCE}}[${RATE}]))`,
                            legend: "{{instance}}",
                        },
                    ],
                },
            ],
        },
    ],
});
