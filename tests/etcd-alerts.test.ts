/**
 * The etcd alert rules under `promtool test rules` (Debian `prometheus`): every alert has a
 * case where it fires and one where it stays quiet. The list of alerts comes from the rules.
 */
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { ETCD_ALERTS, etcdAlertRules } from "../labs/etcd/alerts";
import { requireTool, run, tempDir } from "./support/tools";

const GiB = 1024 ** 3;
const JOB = { job: "etcd" };

/** A series `name{labels}` with the lab's job label. */
function series(name: string, labels: Record<string, string>, values: string) {
    const all = { ...JOB, ...labels };
    return {
        series: `${name}{${Object.entries(all)
            .map(([k, v]) => `${k}="${v}"`)
            .join(",")}}`,
        values,
    };
}

/** gRPC handled counters of one member's Put: `ok` and `failed` requests per minute. */
function grpcPut(instance: string, ok: number, failed: number) {
    const labels = { instance, grpc_method: "Put", grpc_service: "etcdserverpb.KV", grpc_type: "unary" };
    return [
        series("grpc_server_handled_total", { ...labels, grpc_code: "OK" }, `0+${ok}x30`),
        series("grpc_server_handled_total", { ...labels, grpc_code: "ResourceExhausted" }, `0+${failed}x30`),
    ];
}

/** A histogram whose observations per minute all fall into the bucket `le` (seconds). */
function histogram(name: string, instance: string, le: number, bounds: number[]) {
    return [...bounds.map(String), "+Inf"].map((b) =>
        series(`${name}_bucket`, { instance, le: b }, b === "+Inf" || Number(b) >= le ? "0+100x30" : "0x30"),
    );
}

interface Case {
    alert: string;
    /** What the case shows, for the failure message. */
    what: string;
    input: { series: string; values: string }[];
    eval_time: string;
    exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

const BUCKETS = [0.008, 0.064, 0.128, 0.5, 1, 2];

const CASES: Case[] = [
    {
        alert: "EtcdMembersDown",
        what: "one member's scrape fails for 12 minutes",
        input: [
            series("up", { instance: "a" }, "1 1 0x15"),
            series("up", { instance: "b" }, "1x16"),
            series("up", { instance: "c" }, "1x16"),
        ],
        eval_time: "14m",
        exp_alerts: [
            { exp_labels: { severity: "critical", job: "etcd" }, exp_annotations: { summary: "etcd cluster etcd: 1 members are down" } },
        ],
    },
    {
        alert: "EtcdMembersDown",
        what: "every member up, no peer send failures",
        input: [
            series("up", { instance: "a" }, "1x16"),
            series("up", { instance: "b" }, "1x16"),
            series("etcd_network_peer_sent_failures_total", { instance: "a", To: "b" }, "0x16"),
        ],
        eval_time: "14m",
        exp_alerts: [],
    },
    {
        alert: "EtcdInsufficientMembers",
        what: "two of three members down",
        input: [
            series("up", { instance: "a" }, "1 0x10"),
            series("up", { instance: "b" }, "1 0x10"),
            series("up", { instance: "c" }, "1x10"),
        ],
        eval_time: "5m",
        exp_alerts: [
            {
                exp_labels: { severity: "critical", job: "etcd" },
                exp_annotations: { summary: "etcd cluster etcd: only 1 members up, fewer than a quorum" },
            },
        ],
    },
    {
        alert: "EtcdInsufficientMembers",
        what: "one of three members down: a quorum remains",
        input: [
            series("up", { instance: "a" }, "1 0x10"),
            series("up", { instance: "b" }, "1x10"),
            series("up", { instance: "c" }, "1x10"),
        ],
        eval_time: "5m",
        exp_alerts: [],
    },
    {
        alert: "EtcdNoLeader",
        what: "member a loses its leader for 3 minutes",
        input: [
            series("etcd_server_has_leader", { instance: "a" }, "1 1 0 0 0 0"),
            series("etcd_server_has_leader", { instance: "b" }, "1x5"),
        ],
        eval_time: "5m",
        exp_alerts: [
            {
                exp_labels: { severity: "critical", job: "etcd", instance: "a" },
                exp_annotations: { summary: "etcd member a has no leader" },
            },
        ],
    },
    {
        alert: "EtcdNoLeader",
        what: "both members see a leader",
        input: [series("etcd_server_has_leader", { instance: "a" }, "1x5"), series("etcd_server_has_leader", { instance: "b" }, "1x5")],
        eval_time: "5m",
        exp_alerts: [],
    },
    {
        alert: "EtcdHighNumberOfFailedGRPCRequests",
        what: "9% of Puts fail ResourceExhausted (NOSPACE): warning (> 1%) and critical (> 5%)",
        input: grpcPut("a", 100, 10),
        eval_time: "20m",
        exp_alerts: ["warning", "critical"].map((severity) => ({
            exp_labels: { severity, job: "etcd", instance: "a", grpc_method: "Put", grpc_service: "etcdserverpb.KV" },
            exp_annotations: { summary: "etcd member a: 9.091% of Put requests failed" },
        })),
    },
    {
        alert: "EtcdHighNumberOfFailedGRPCRequests",
        what: "every Put succeeds",
        input: grpcPut("a", 100, 0),
        eval_time: "20m",
        exp_alerts: [],
    },
    {
        alert: "EtcdHighFsyncDurations",
        what: "every WAL fsync between 0.5 s and 1 s",
        input: histogram("etcd_disk_wal_fsync_duration_seconds", "a", 1, BUCKETS),
        eval_time: "20m",
        exp_alerts: [
            {
                exp_labels: { severity: "warning", job: "etcd", instance: "a" },
                exp_annotations: { summary: "etcd member a: WAL fsync p99 above 500 ms" },
            },
        ],
    },
    {
        alert: "EtcdHighFsyncDurations",
        what: "every WAL fsync under 8 ms",
        input: histogram("etcd_disk_wal_fsync_duration_seconds", "a", 0.008, BUCKETS),
        eval_time: "20m",
        exp_alerts: [],
    },
    {
        alert: "EtcdHighCommitDurations",
        what: "every backend commit between 64 and 128 ms (a slow disk)",
        input: histogram("etcd_disk_backend_commit_duration_seconds", "a", 0.128, BUCKETS),
        eval_time: "20m",
        exp_alerts: [
            {
                exp_labels: { severity: "warning", job: "etcd", instance: "a" },
                exp_annotations: { summary: "etcd member a: backend commit p99 above 100 ms" },
            },
        ],
    },
    {
        alert: "EtcdHighCommitDurations",
        what: "every backend commit under 64 ms",
        input: histogram("etcd_disk_backend_commit_duration_seconds", "a", 0.064, BUCKETS),
        eval_time: "20m",
        exp_alerts: [],
    },
    {
        alert: "EtcdDatabaseQuotaNearlyFull",
        what: "member a at 90% of a 2 GiB quota",
        input: [
            series("etcd_mvcc_db_total_size_in_bytes", { instance: "a" }, `${0.9 * 2 * GiB}x6`),
            series("etcd_mvcc_db_total_size_in_bytes", { instance: "b" }, `${0.1 * 2 * GiB}x6`),
            series("etcd_server_quota_backend_bytes", { instance: "a" }, `${2 * GiB}x6`),
        ],
        eval_time: "3m",
        exp_alerts: [
            {
                exp_labels: { severity: "warning", instance: "a" },
                exp_annotations: { summary: "etcd member a: database above 80% of its quota" },
            },
        ],
    },
    {
        alert: "EtcdDatabaseQuotaNearlyFull",
        what: "both members at 10%",
        input: [
            series("etcd_mvcc_db_total_size_in_bytes", { instance: "a" }, `${0.1 * 2 * GiB}x6`),
            series("etcd_server_quota_backend_bytes", { instance: "a" }, `${2 * GiB}x6`),
        ],
        eval_time: "3m",
        exp_alerts: [],
    },
    {
        alert: "EtcdFrequentLeaderChanges",
        what: "5 elections in 5 minutes",
        input: [series("etcd_server_leader_changes_seen_total", { instance: "a" }, "0 1 2 3 4 5")],
        eval_time: "5m",
        exp_alerts: [
            {
                exp_labels: { severity: "warning", job: "etcd", instance: "a" },
                exp_annotations: { summary: "etcd member a saw more than 3 leader changes in 15 minutes" },
            },
        ],
    },
    {
        alert: "EtcdFrequentLeaderChanges",
        what: "one election",
        input: [series("etcd_server_leader_changes_seen_total", { instance: "a" }, "0 1 1 1 1 1")],
        eval_time: "5m",
        exp_alerts: [],
    },
];

describe("etcd alert rules (promtool test rules)", () => {
    it("every alert has a case that fires and a case that stays quiet", () => {
        for (const alert of new Set(ETCD_ALERTS.map((r) => r.alert))) {
            const cases = CASES.filter((c) => c.alert === alert);
            assert.ok(
                cases.some((c) => c.exp_alerts.length > 0),
                `${alert}: no case where it fires`,
            );
            assert.ok(
                cases.some((c) => c.exp_alerts.length === 0),
                `${alert}: no case where it stays quiet`,
            );
        }
        const unknown = CASES.filter((c) => !ETCD_ALERTS.some((r) => r.alert === c.alert)).map((c) => c.alert);
        assert.deepEqual(unknown, [], "cases for alerts that are not in the rules");
    });

    it("each case passes promtool: fires on the series it is written for, quiet otherwise", () => {
        const promtool = requireTool("promtool");
        const dir = tempDir("etcd-alerts");
        try {
            writeFileSync(join(dir.path, "etcd.yml"), etcdAlertRules());
            // One promtool test group per case, so one case's series never leak into another's.
            const tests = {
                rule_files: ["etcd.yml"],
                evaluation_interval: "1m",
                tests: CASES.map((c) => ({
                    name: `${c.alert}: ${c.what}`,
                    interval: "1m",
                    input_series: c.input,
                    alert_rule_test: [{ eval_time: c.eval_time, alertname: c.alert, exp_alerts: c.exp_alerts }],
                })),
            };
            writeFileSync(join(dir.path, "etcd.test.yml"), stringify(tests));
            const result = run(promtool, ["test", "rules", join(dir.path, "etcd.test.yml")]);
            assert.equal(result.status, 0, result.stdout + result.stderr);
            assert.match(result.stdout, /SUCCESS/);
        } finally {
            dir.remove();
        }
    });
});
