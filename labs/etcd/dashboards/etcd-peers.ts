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

/** Dashboard `etcd-peers`: leadership and peer round trips. */
export const etcdPeers = defineDashboard({
    uid: "etcd-peers",
    title: "etcd peers",
    tags: ["etcd"],
    instanceMetric: "etcd_server_has_leader",
    sections: [
        {
            title: "Leadership",
            panels: [
                {
                    kind: "stat",
                    title: "Members with a leader",
                    description: "Members that see a leader; all of them should.",
                    unit: "short",
                    queries: [{ expr: `sum(etcd_server_has_leader{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Leader changes (1h)",
                    description: "Elections in the last hour; the fsync-delay scenario can cause them.",
                    unit: "short",
                    queries: [{ expr: `max(increase(etcd_server_leader_changes_seen_total{${INSTANCE}}[1h]))` }],
                },
                {
                    title: "Leader",
                    description: "1 on the member that is leader.",
                    unit: "short",
                    queries: [{ expr: `etcd_server_is_leader{${INSTANCE}}`, legend: "{{instance}}" }],
                },
                {
                    title: "Peer round trip p99",
                    description: "Round trip time between peers, by sender and receiver.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_network_peer_round_trip_time_seconds", INSTANCE, ["instance", "To"]),
                            legend: "{{instance}} → {{To}}",
                        },
                    ],
                },
            ],
        },
    ],
});
