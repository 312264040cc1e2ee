import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { cdcAlertRules, cdcAlerts } from "../labs/cdc/alerts";
import { requireTool, run, tempDir } from "./support/tools";

describe("TiKV-CDC alert rules (promtool test rules)", () => {
    it("fire on a lagging or failed changefeed and a failed check, and stay quiet for healthy, paused or running ones", () => {
        const promtool = requireTool("promtool");
        const dir = tempDir("cdc-alerts");
        try {
            writeFileSync(join(dir.path, "cdc.yml"), cdcAlertRules(30));
            const tests = {
                rule_files: ["cdc.yml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [
                            // Lag climbs past 30 s at minute 2 and stays: fires once it has held for 1m.
                            { series: 'tikv_cdc_owner_checkpoint_ts_lag{changefeed="slow",instance="cdc-0"}', values: "1 5 40 45 50 55" },
                            // Brief spike above 30 s for one sample only: must stay quiet.
                            { series: 'tikv_cdc_owner_checkpoint_ts_lag{changefeed="blip",instance="cdc-0"}', values: "1 2 40 2 1 1" },
                            { series: 'tikv_cdc_owner_status{changefeed="slow",instance="cdc-0"}', values: "0 0 0 0 0 0" },
                            // error (1) from minute 3.
                            { series: 'tikv_cdc_owner_status{changefeed="broken",instance="cdc-0"}', values: "0 0 0 1 1 1" },
                            // failed (2) from minute 4.
                            { series: 'tikv_cdc_owner_status{changefeed="failed",instance="cdc-0"}', values: "0 0 0 0 2 2" },
                            // Verdict exporter: run "good" passes once done; run "bad" is done and failed from minute 3;
                            // while a check is still running (done 0) its passed gauge is 0 and must not alert.
                            { series: 'clusterlab_cdc_check_done{run="good",instance="v"}', values: "0 0 1 1 1 1" },
                            { series: 'clusterlab_cdc_check_passed{run="good",instance="v"}', values: "0 0 1 1 1 1" },
                            { series: 'clusterlab_cdc_check_done{run="bad",instance="v"}', values: "0 0 0 1 1 1" },
                            { series: 'clusterlab_cdc_check_passed{run="bad",instance="v"}', values: "0 0 0 0 0 0" },
                            // stopped (3): paused on purpose by the between/after cases.
                            { series: 'tikv_cdc_owner_status{changefeed="paused",instance="cdc-0"}', values: "3 3 3 3 3 3" },
                        ],
                        alert_rule_test: [
                            { eval_time: "2m", alertname: "TikvCdcCheckpointLagHigh", exp_alerts: [] },
                            {
                                eval_time: "4m",
                                alertname: "TikvCdcCheckpointLagHigh",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "warning", changefeed: "slow" },
                                        exp_annotations: { summary: "changefeed slow: checkpoint lag (RPO) above 30 s" },
                                    },
                                ],
                            },
                            { eval_time: "2m", alertname: "TikvCdcCorrectnessCheckFailed", exp_alerts: [] },
                            {
                                eval_time: "4m",
                                alertname: "TikvCdcCorrectnessCheckFailed",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "critical", run: "bad" },
                                        exp_annotations: {
                                            summary: "correctness check of run bad failed: keys wrong or missing on the recovery cluster",
                                        },
                                    },
                                ],
                            },
                            { eval_time: "2m", alertname: "TikvCdcChangefeedError", exp_alerts: [] },
                            {
                                eval_time: "5m",
                                alertname: "TikvCdcChangefeedError",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "critical", changefeed: "broken" },
                                        exp_annotations: { summary: "changefeed broken is in error or failed" },
                                    },
                                    {
                                        exp_labels: { severity: "critical", changefeed: "failed" },
                                        exp_annotations: { summary: "changefeed failed is in error or failed" },
                                    },
                                ],
                            },
                        ],
                    },
                ],
            };
            writeFileSync(join(dir.path, "cdc.test.yml"), stringify(tests));
            const result = run(promtool, ["test", "rules", join(dir.path, "cdc.test.yml")]);
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.match(result.stdout, /SUCCESS/);
            assert.deepEqual(
                cdcAlerts(30).map((a) => a.alert),
                ["TikvCdcCheckpointLagHigh", "TikvCdcCorrectnessCheckFailed", "TikvCdcChangefeedError"],
            );
        } finally {
            dir.remove();
        }
    });

    it("promtool accepts the rule file", () => {
        const promtool = requireTool("promtool");
        const dir = tempDir("cdc-rules");
        try {
            writeFileSync(join(dir.path, "cdc.yml"), cdcAlertRules(120));
            const result = run(promtool, ["check", "rules", join(dir.path, "cdc.yml")]);
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.match(result.stdout, /SUCCESS: 3 rules found/);
        } finally {
            dir.remove();
        }
    });
});
