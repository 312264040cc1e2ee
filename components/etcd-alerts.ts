/**
 * Alert rules for the etcd lab, in the spirit of etcd `contrib/mixin`, on the metric names
 * of etcd `server/etcdserver/metrics.go` and `server/storage/{wal,backend,mvcc}/metrics.go`. Tested with `promtool test rules` (tests/etcd-alerts.test.ts).
 */
import { stringify } from "yaml";

/** One alerting rule. */
interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string };
}

/**
 * The rules, as data. Thresholds are tighter than the etcd mixin's (fsync p99 0.5 s warning) so
 * the fsync-delay scenario's 100 ms sleeps trip the 50 ms alert in a lab.
 */
export const ETCD_ALERTS: AlertRule[] = [
    {
        alert: "EtcdNoLeader",
        expr: "etcd_server_has_leader == 0",
        for: "1m",
        labels: { severity: "critical" },
        annotations: { summary: "etcd member {{ $labels.instance }} has no leader" },
    },
    {
        alert: "EtcdHighFsyncDurations",
        expr: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m]))) > 0.05",
        for: "5m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }}: WAL fsync p99 above 50 ms" },
    },
    {
        alert: "EtcdDatabaseQuotaNearlyFull",
        expr: "max by (instance) (etcd_mvcc_db_total_size_in_bytes) / on() group_left max(etcd_server_quota_backend_bytes) > 0.8",
        for: "1m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }}: database above 80% of its quota" },
    },
    {
        alert: "EtcdFrequentLeaderChanges",
        expr: "increase(etcd_server_leader_changes_seen_total[15m]) > 3",
        for: "0m",
        labels: { severity: "warning" },
        annotations: { summary: "etcd member {{ $labels.instance }} saw more than 3 leader changes in 15 minutes" },
    },
];

/** The Prometheus rule file (YAML) with every etcd alert. */
export function etcdAlertRules(): string {
    return stringify({ groups: [{ name: "etcd", rules: ETCD_ALERTS }] });
}
