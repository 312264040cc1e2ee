import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { ETCD_ALERTS, etcdAlertRules } from "../components/etcd-alerts";
import { requireTool, run, tempDir } from "./support/tools";

describe("etcd alert rules (promtool test rules)", () => {
    it("fire on the series they are written for, and stay quiet otherwise", () => {
        const promtool = requireTool("promtool");
        const dir = tempDir("etcd-alerts");
        try {
            writeFileSync(join(dir.path, "etcd.yml"), etcdAlertRules());
            const GiB = 1024 ** 3;
            const tests = {
                rule_files: ["etcd.yml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [
                            { series: 'etcd_server_has_leader{instance="a"}', values: "1 1 0 0 0 0" },
                            { series: 'etcd_server_has_leader{instance="b"}', values: "1 1 1 1 1 1" },
                            { series: 'etcd_mvcc_db_total_size_in_bytes{instance="a"}', values: `${0.9 * 2 * GiB}x6` },
                            { series: 'etcd_mvcc_db_total_size_in_bytes{instance="b"}', values: `${0.1 * 2 * GiB}x6` },
                            { series: 'etcd_server_quota_backend_bytes{instance="a"}', values: `${2 * GiB}x6` },
                            { series: 'etcd_server_leader_changes_seen_total{instance="a"}', values: "0 1 2 3 4 5" },
                        ],
                        alert_rule_test: [
                            {
                                eval_time: "5m",
                                alertname: "EtcdNoLeader",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "critical", instance: "a" },
                                        exp_annotations: { summary: "etcd member a has no leader" },
                                    },
                                ],
                            },
                            { eval_time: "1m", alertname: "EtcdNoLeader", exp_alerts: [] },
                            {
                                eval_time: "3m",
                                alertname: "EtcdDatabaseQuotaNearlyFull",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "warning", instance: "a" },
                                        exp_annotations: { summary: "etcd member a: database above 80% of its quota" },
                                    },
                                ],
                            },
                            {
                                eval_time: "5m",
                                alertname: "EtcdFrequentLeaderChanges",
                                exp_alerts: [
                                    {
                                        exp_labels: { severity: "warning", instance: "a" },
                                        exp_annotations: { summary: "etcd member a saw more than 3 leader changes in 15 minutes" },
                                    },
                                ],
                            },
                        ],
                    },
                ],
            };
            writeFileSync(join(dir.path, "etcd.test.yml"), stringify(tests));
            const result = run(promtool, ["test", "rules", join(dir.path, "etcd.test.yml")]);
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.match(result.stdout, /SUCCESS/);
            assert.equal(ETCD_ALERTS.length, 4);
        } finally {
            dir.remove();
        }
    });
});
