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

/**
 * Dashboard `etcd-peers`: leadership, peer round trips, proposals and peer traffic — what the
 * network scenarios (network-delay, partition, member-kill) move — and the linearizability
 * checker's verdict (docker/etcd-linearizability, job `etcd-linearizability`).
 */
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
                    title: "Has leader per member",
                    description: "1 while the member sees a leader; a partitioned member drops to 0 (etcd_server_has_leader).",
                    unit: "short",
                    queries: [{ expr: `etcd_server_has_leader{${INSTANCE}}`, legend: "{{instance}}" }],
                },
                {
                    title: "Leader changes",
                    description:
                        "Elections seen per member over the rate window; network-delay above the election timeout and partition of the leader cause them.",
                    unit: "short",
                    queries: [
                        { expr: `increase(etcd_server_leader_changes_seen_total{${INSTANCE}}[$__rate_interval])`, legend: "{{instance}}" },
                    ],
                },
            ],
        },
        {
            title: "Peer network",
            panels: [
                {
                    title: "Peer round trip p99",
                    description:
                        "Round trip time between peers, by sender and receiver. etcd samples a smoothed RTT of its 4-second probes every 30 s, so a delay shows within about a minute.",
                    unit: "s",
                    queries: [
                        {
                            expr: quantile(0.99, "etcd_network_peer_round_trip_time_seconds", INSTANCE, ["instance", "To"]),
                            legend: "{{instance}} → {{To}}",
                        },
                    ],
                },
                {
                    title: "Peer bytes sent / received",
                    description:
                        "Raft traffic per member and peer (etcd_network_peer_sent_bytes_total, _received_bytes_total); a blackholed link falls to 0.",
                    unit: "Bps",
                    queries: [
                        {
                            expr: `sum by (instance, To) (rate(etcd_network_peer_sent_bytes_total{${INSTANCE}}[$__rate_interval]))`,
                            legend: "{{instance}} sent → {{To}}",
                        },
                        {
                            expr: `sum by (instance, From) (rate(etcd_network_peer_received_bytes_total{${INSTANCE}}[$__rate_interval]))`,
                            legend: "{{instance}} received ← {{From}}",
                        },
                    ],
                },
                {
                    title: "Proposals failed / pending",
                    description:
                        "Failed proposals per second (a partitioned or leaderless member's writes) and proposals waiting for commit.",
                    unit: "short",
                    queries: [
                        {
                            expr: `rate(etcd_server_proposals_failed_total{${INSTANCE}}[$__rate_interval])`,
                            legend: "{{instance}} failed/s",
                        },
                        { expr: `etcd_server_proposals_pending{${INSTANCE}}`, legend: "{{instance}} pending" },
                    ],
                },
            ],
        },
        {
            title: "Correctness",
            panels: [
                {
                    kind: "stat",
                    title: "History linearizable",
                    description:
                        "The linearizability checker's verdict for the current scenario: 1 linearizable, 0 not (porcupine; history.html in the checker step's /out). Empty while it records.",
                    unit: "short",
                    queries: [{ expr: "clusterlab_etcd_linearizable and on() clusterlab_etcd_linearizability_check_done == 1" }],
                },
            ],
        },
    ],
});
