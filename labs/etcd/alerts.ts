/**
 * Alert rules for the etcd lab, after etcd's own mixin (etcd-io/etcd `contrib/mixin/alerts/alerts.libsonnet`,
 * selector `etcd_selector`, instance label `instance`), on etcd 3.5 metric names
 * (go.etcd.io/etcd/server/v3@v3.5.17 `etcdserver/metrics.go`, `wal/metrics.go`,
 * `mvcc/backend/metrics.go`, `mvcc/metrics.go`, `etcdserver/api/rafthttp/metrics.go`; gRPC
 * metrics from go-grpc-prometheus with `--metrics=extensive`). Tested with `promtool test rules`
 * (tests/etcd-alerts.test.ts): every rule has a case that fires and one that stays quiet.
 */
import { AlertRule, ruleFileYaml } from "../../components/observability/alert-rule";

/** The Prometheus selector of the lab's etcd members: its scrape job (the mixin's `etcd_selector`). */
export const ETCD_SELECTOR = 'job="etcd"';

/** gRPC codes the mixin counts as failures (a client mistake such as NotFound is not one). */
const FAILED_CODES = "Unknown|FailedPrecondition|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded";

/** Share of failed gRPC requests (percent) per member and method, as the mixin computes it. */
const FAILED_GRPC_PERCENT = `100 * sum(rate(grpc_server_handled_total{${ETCD_SELECTOR}, grpc_code=~"${FAILED_CODES}"}[5m])) without (grpc_type, grpc_code)
  /
sum(rate(grpc_server_handled_total{${ETCD_SELECTOR}}[5m])) without (grpc_type, grpc_code)`;

/**
 * The rules, as data. Where the lab departs from the mixin it says so: `EtcdHighCommitDurations`
 * fires at 100 ms (mixin: 250 ms) so the fsync-delay scenario's 200 ms `beforeCommit` sleep
 * trips it; `EtcdDatabaseQuotaNearlyFull` warns at 80 % (mixin `etcdDatabaseQuotaLowSpace`: 95 %).
 * `EtcdHighFsyncDurations` keeps the mixin's 500 ms: the lab's fsync-delay failpoint sleeps
 * outside the WAL fsync timer (see `DEFAULT_FAILPOINTS`), so only a really slow disk trips it.
 */
export const ETCD_ALERTS: AlertRule[] = [
    {
        // mixin etcdMembersDown: a member's scrape fails, or its peers fail to send to it.
        alert: "EtcdMembersDown",
        expr: `max without (endpoint) (
  sum without (instance) (up{${ETCD_SELECTOR}} == bool 0)
or
  count without (To) (
    sum without (instance) (rate(etcd_network_peer_sent_failures_total{${ETCD_SELECTOR}}[120s])) > 0.01
  )
)
> 0`,
        for: "10m",
        labels: { severity: "critical" },
        annotations: { summary: "etcd cluster {{ $labels.job }}: {{ $value }} members are down" },
    },
    {
        // mixin etcdInsufficientMembers: fewer members up than a quorum.
        alert: "EtcdInsufficientMembers",
        expr: `sum(up{${ETCD_SELECTOR}} == bool 1) without (instance) < ((count(up{${ETCD_SELECTOR}}) without (instance) + 1) / 2)`,
        for: "3m",
        labels: { severity: "critical" },
        annotations: { summary: "etcd cluster {{ $labels.job }}: only {{ $value }} members up, fewer than a quorum" },
    },
    {
        // mixin etcdNoLeader.
        alert: "EtcdNoLeader",
        expr: `etcd_server_has_leader{${ETCD_SELECTOR}} == 0`,
        for: "1m",
        labels: { severity: "critical" },
        annotations: { summary: "etcd member {{ $labels.instance }} has no leader" },
    },
    {
        // mixin etcdHighNumberOfFailedGRPCRequests (warning and critical).
        alert: "EtcdHighNumberOfFailedGRPCRequests",
        expr: `${FAILED_GRPC_PERCENT}
  > 1`,
        for: "10m",
        labels: { severity: "warning" },
        annotations: {
            summary: "etcd member {{ $labels.instance }}: {{ $value | humanize }}% of {{ $labels.grpc_method }} requests failed",
        },
    },
    {
        alert: "EtcdHighNumberOfFailedGRPCRequests",
        expr: `${FAILED_GRPC_PERCENT}
  > 5`,
        for: "5m",
        labels: { severity: "critical" },
        annotations: {
            summary: "etcd member {{ $labels.instance }}: {{ $value | humanize }}% of {{ $labels.grpc_method }} requests failed",
        },
    },
    {
        // mixin etcdHighFsyncDurations (warning).
        alert: "EtcdHighFsyncDurations",
        expr: `histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket{${ETCD_SELECTOR}}[5m])) > 0.5`,
        for: "10m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }}: WAL fsync p99 above 500 ms" },
    },
    {
        // mixin etcdHighCommitDurations, at 100 ms instead of 250 ms (see above).
        alert: "EtcdHighCommitDurations",
        expr: `histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket{${ETCD_SELECTOR}}[5m])) > 0.1`,
        for: "5m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }}: backend commit p99 above 100 ms" },
    },
    {
        alert: "EtcdDatabaseQuotaNearlyFull",
        expr: `max by (instance) (etcd_mvcc_db_total_size_in_bytes{${ETCD_SELECTOR}}) / on() group_left max(etcd_server_quota_backend_bytes{${ETCD_SELECTOR}}) > 0.8`,
        for: "1m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }}: database above 80% of its quota" },
    },
    {
        alert: "EtcdFrequentLeaderChanges",
        expr: `increase(etcd_server_leader_changes_seen_total{${ETCD_SELECTOR}}[15m]) > 3`,
        for: "0m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }} saw more than 3 leader changes in 15 minutes" },
    },
];

/** The Prometheus rule file (YAML) with every etcd alert. */
export function etcdAlertRules(): string {
    return ruleFileYaml("etcd", ETCD_ALERTS);
}
