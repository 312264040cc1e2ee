/**
 * The RawKV CDC lab: replication lag (the RPO), changefeed state, CDC throughput, and the
 * main cluster's write QPS and p99 next to the recovery cluster's.
 *
 * Metric names: TiKV-CDC `tikv_cdc_owner_checkpoint_ts_lag`, `tikv_cdc_owner_resolved_ts_lag`
 * (seconds), `tikv_cdc_owner_status` (0 normal, 1 error, 2 failed, 3 stopped) — tikv/migration
 * `cdc/cdc/owner/metrics.go`, `cdc/cdc/model/changefeed.go`; `tikv_cdc_sink_txn_batch_size`
 * (events per sink write) — `cdc/cdc/sink/metrics.go`, also on upstream's
 * `cdc/metrics/grafana/tikv-cdc.json`. TiKV `tikv_grpc_msg_duration_seconds{type}` (histogram;
 * RawKV writes are `raw_put`/`raw_batch_put`) — tikv `src/server/metrics.rs`. The lab labels
 * each TiKV cluster's scrape targets `cluster="main"` or `cluster="recovery"`. The verdict
 * series `clusterlab_cdc_check_*{run}` come from this repository's `docker/rawkv-workload`.
 */
import { INSTANCE, RATE, defineDashboard, quantile } from "../../../dashboards/presets";

/** RawKV write requests (gRPC `type` label values). */
const WRITES = 'type=~"raw_put|raw_batch_put"';

/** A cluster's RawKV writes. */
function writes(cluster: "main" | "recovery"): string {
    return `cluster="${cluster}", ${WRITES}`;
}

/** Dashboard `cdc-replication`. */
export const cdcReplication = defineDashboard({
    uid: "cdc-replication",
    title: "RawKV CDC: replication and RPO",
    tags: ["tikv", "cdc"],
    instanceMetric: "tikv_cdc_owner_checkpoint_ts_lag",
    sections: [
        {
            title: "RPO",
            panels: [
                {
                    kind: "stat",
                    title: "RPO now (checkpoint lag)",
                    description:
                        "Seconds of main-cluster writes not yet on the recovery cluster: what would be lost if the main cluster failed now.",
                    unit: "s",
                    queries: [{ expr: `max(tikv_cdc_owner_checkpoint_ts_lag{${INSTANCE}})` }],
                },
                {
                    kind: "stat",
                    title: "Worst RPO, last hour",
                    description: "The highest checkpoint lag of the last hour: compare it with the RPO objective.",
                    unit: "s",
                    queries: [{ expr: `max(max_over_time(tikv_cdc_owner_checkpoint_ts_lag{${INSTANCE}}[1h]))` }],
                },
                {
                    kind: "stat",
                    title: "Changefeed state",
                    description: "0 normal, 1 error, 2 failed, 3 stopped (paused), 4 finished, 5 removed.",
                    unit: "short",
                    queries: [{ expr: `max by (changefeed) (tikv_cdc_owner_status{${INSTANCE}})`, legend: "{{changefeed}}" }],
                },
                {
                    kind: "stat",
                    title: "Events replicated/s",
                    description: "RawKV events TiKV-CDC writes to the recovery cluster per second.",
                    unit: "ops",
                    queries: [{ expr: `sum(rate(tikv_cdc_sink_txn_batch_size_sum{${INSTANCE}}[${RATE}]))` }],
                },
                {
                    title: "Checkpoint lag and resolved-ts lag",
                    description:
                        "Checkpoint lag: written to the recovery cluster (the RPO). Resolved-ts lag: received from the main cluster. A gap between them means the sink is the bottleneck; both rising means the source is.",
                    unit: "s",
                    queries: [
                        {
                            expr: `max by (changefeed) (tikv_cdc_owner_checkpoint_ts_lag{${INSTANCE}})`,
                            legend: "checkpoint {{changefeed}}",
                        },
                        { expr: `max by (changefeed) (tikv_cdc_owner_resolved_ts_lag{${INSTANCE}})`, legend: "resolved-ts {{changefeed}}" },
                    ],
                },
                {
                    title: "CDC throughput",
                    description: "Events written to the recovery cluster per second, per changefeed and capture.",
                    unit: "ops",
                    queries: [
                        {
                            expr: `sum by (changefeed, capture) (rate(tikv_cdc_sink_txn_batch_size_sum{${INSTANCE}}[${RATE}]))`,
                            legend: "{{changefeed}} {{capture}}",
                        },
                    ],
                },
            ],
        },
        {
            title: "Correctness check",
            panels: [
                {
                    kind: "stat",
                    title: "Verdict",
                    description:
                        "1: every key of the run read v+1 on the recovery cluster; 0: keys wrong or missing (see the checker's log). Empty until the check is done.",
                    unit: "short",
                    queries: [
                        {
                            expr: "max by (run) (clusterlab_cdc_check_passed and on (run) clusterlab_cdc_check_done == 1)",
                            legend: "{{run}}",
                        },
                    ],
                },
                {
                    kind: "stat",
                    title: "Keys wrong or missing",
                    description: "Keys of the run that did not read v+1 on the recovery cluster.",
                    unit: "short",
                    queries: [{ expr: 'sum by (run) (clusterlab_cdc_check_keys{result=~"wrong|missing"})', legend: "{{run}}" }],
                },
                {
                    kind: "stat",
                    title: "Catch-up after the writes",
                    description:
                        "Seconds from the end of the writes until the changefeed checkpoint passed them: the RPO the run measured.",
                    unit: "s",
                    queries: [{ expr: "max by (run) (clusterlab_cdc_check_catchup_seconds)", legend: "{{run}}" }],
                },
            ],
        },
        {
            title: "Write cost: main cluster next to the recovery cluster",
            panels: [
                {
                    title: "Write QPS",
                    description:
                        "RawKV write requests per second: the workload on the main cluster, TiKV-CDC's batches on the recovery cluster. Compare runs with cdc.enabled on and off for the regression.",
                    unit: "ops",
                    queries: [
                        { expr: `sum(rate(tikv_grpc_msg_duration_seconds_count{${writes("main")}}[${RATE}]))`, legend: "main" },
                        { expr: `sum(rate(tikv_grpc_msg_duration_seconds_count{${writes("recovery")}}[${RATE}]))`, legend: "recovery" },
                    ],
                },
                {
                    title: "Write p99",
                    description:
                        "p99 of RawKV write requests as TiKV serves them; the CDC target is under 10 % above the cdc.enabled=false baseline.",
                    unit: "s",
                    queries: [
                        { expr: quantile(0.99, "tikv_grpc_msg_duration_seconds", writes("main")), legend: "main" },
                        { expr: quantile(0.99, "tikv_grpc_msg_duration_seconds", writes("recovery")), legend: "recovery" },
                    ],
                },
            ],
        },
    ],
});
