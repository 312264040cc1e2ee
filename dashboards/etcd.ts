/**
 * The etcd lab's dashboards: puts, ranges, peers, compaction, defrag.
 * Metric names: etcd `server/etcdserver/metrics.go`, `server/storage/{wal,backend,mvcc}/metrics.go`,
 * `server/etcdserver/api/rafthttp/metrics.go`; `grpc_server_handling_seconds` needs
 * `--metrics=extensive` (FACTS.md). `etcd_server_proposals_committed_total` and `_applied_total`
 * are gauges despite the suffix, hence `deriv` rather than `rate`.
 */
import { DashboardDefinition, INSTANCE, RATE, dashboard, quantile } from "./presets";

const handled = (method: string) => `grpc_method="${method}", ${INSTANCE}`;

/** Dashboard `etcd-puts`: the write path (Put rate and latency, proposals, WAL fsync, backend commit). */
export const etcdPuts: DashboardDefinition = {
    uid: "etcd-puts",
    title: "etcd puts",
    build: () =>
        dashboard("etcd-puts", "etcd puts", ["etcd"], "etcd_server_has_leader", [
            {
                title: "Write path",
                panels: [
                    {
                        title: "Put rate",
                        description: "Put RPCs per second per member (needs --metrics=extensive).",
                        unit: "ops",
                        queries: [
                            {
                                expr: `sum by (instance) (rate(grpc_server_handling_seconds_count{${handled("Put")}}[${RATE}]))`,
                                legend: "{{instance}}",
                            },
                        ],
                    },
                    {
                        title: "Put p99",
                        description: "Server-side Put latency.",
                        unit: "s",
                        queries: [
                            { expr: quantile(0.99, "grpc_server_handling_seconds", handled("Put"), ["instance"]), legend: "{{instance}}" },
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
                        description:
                            "Pending proposals pile up when the disk or the leader is slow; failures mean lost leadership or quorum.",
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
                        title: "WAL fsync p99",
                        description: "The fsync-delay scenario shows up here first.",
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
                        description: "bbolt commit latency.",
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
        ]),
};

/** Dashboard `etcd-ranges`: the read path (Range rate and latency, applies). */
export const etcdRanges: DashboardDefinition = {
    uid: "etcd-ranges",
    title: "etcd ranges",
    build: () =>
        dashboard("etcd-ranges", "etcd ranges", ["etcd"], "etcd_server_has_leader", [
            {
                title: "Read path",
                panels: [
                    {
                        title: "Range rate",
                        description:
                            "Range RPCs per second per member; linearizable reads (consistency=l) go through the leader's read index.",
                        unit: "ops",
                        queries: [
                            {
                                expr: `sum by (instance) (rate(grpc_server_handling_seconds_count{${handled("Range")}}[${RATE}]))`,
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
                                expr: quantile(0.99, "grpc_server_handling_seconds", handled("Range"), ["instance"]),
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
        ]),
};

/** Dashboard `etcd-peers`: leadership and peer round trips. */
export const etcdPeers: DashboardDefinition = {
    uid: "etcd-peers",
    title: "etcd peers",
    build: () =>
        dashboard("etcd-peers", "etcd peers", ["etcd"], "etcd_server_has_leader", [
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
        ]),
};

/** Dashboard `etcd-compaction`: database size, in-use size and quota. */
export const etcdCompaction: DashboardDefinition = {
    uid: "etcd-compaction",
    title: "etcd compaction",
    build: () =>
        dashboard("etcd-compaction", "etcd compaction", ["etcd"], "etcd_mvcc_db_total_size_in_bytes", [
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
        ]),
};

/** Dashboard `etcd-defrag`: fragmentation and defrag duration. */
export const etcdDefrag: DashboardDefinition = {
    uid: "etcd-defrag",
    title: "etcd defrag",
    build: () =>
        dashboard("etcd-defrag", "etcd defrag", ["etcd"], "etcd_mvcc_db_total_size_in_bytes", [
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
        ]),
};

/** Every etcd lab dashboard. */
export const etcdDashboards = [etcdPuts, etcdRanges, etcdPeers, etcdCompaction, etcdDefrag];
