/**
 * Alert rules of the RawKV CDC lab, on TiKV-CDC's owner metrics (tikv/migration
 * `cdc/cdc/owner/metrics.go`): `tikv_cdc_owner_checkpoint_ts_lag` and
 * `tikv_cdc_owner_resolved_ts_lag` (seconds, per `changefeed`), `tikv_cdc_owner_status`
 * (`FeedState.ToInt()`: 0 normal, 1 error, 2 failed, 3 stopped, 4 finished, 5 removed;
 * `cdc/cdc/model/changefeed.go`). Tested with `promtool test rules` (tests/cdc-alerts.test.ts).
 */
import { AlertRule, ruleFileYaml } from "../../components/observability/alert-rule";

/**
 * The rules. The checkpoint lag is the RPO: how much of the main cluster's recent writes the
 * recovery cluster would lack if the main cluster were lost now. A paused changefeed
 * (`stopped`, 3) is a deliberate state in this lab's `between`/`after` cases and does not alert.
 * @param lagSeconds the RPO objective: alert when the checkpoint lag stays above it for a minute.
 */
export function cdcAlerts(lagSeconds: number): AlertRule[] {
    return [
        {
            alert: "TikvCdcCheckpointLagHigh",
            expr: `max by (changefeed) (tikv_cdc_owner_checkpoint_ts_lag) > ${lagSeconds}`,
            for: "1m",
            labels: { severity: "warning" },
            annotations: { summary: `changefeed {{ $labels.changefeed }}: checkpoint lag (RPO) above ${lagSeconds} s` },
        },
        {
            alert: "TikvCdcCorrectnessCheckFailed",
            // The verdict exporter of the RawKV CDC lab (docker/rawkv-workload `check --serve`).
            expr: "max by (run) (clusterlab_cdc_check_done) == 1 and on (run) max by (run) (clusterlab_cdc_check_passed) == 0",
            for: "0m",
            labels: { severity: "critical" },
            annotations: { summary: "correctness check of run {{ $labels.run }} failed: keys wrong or missing on the recovery cluster" },
        },
        {
            alert: "TikvCdcChangefeedError",
            expr: "max by (changefeed) (tikv_cdc_owner_status) == 1 or max by (changefeed) (tikv_cdc_owner_status) == 2",
            for: "0m",
            labels: { severity: "critical" },
            annotations: { summary: "changefeed {{ $labels.changefeed }} is in error or failed" },
        },
    ];
}

/** Container path of the rule file in Prometheus. */
export const CDC_RULES_PATH = "/etc/prometheus/rules/tikv-cdc.yml";

/** The Prometheus rule file (YAML) with every CDC alert. */
export function cdcAlertRules(lagSeconds: number): string {
    return ruleFileYaml("tikv-cdc", cdcAlerts(lagSeconds));
}
