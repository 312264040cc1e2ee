import * as assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { DashboardDefinition } from "../dashboards/presets";
import { ROOT } from "./support/evaluate";
import { requireTool, run, tempDir } from "./support/tools";

/** The dashboard files: every `.ts` under each lab's `dashboards/` folder (labs/<lab>/dashboards/). */
function dashboardFiles(): string[] {
    const labs = join(ROOT, "labs");
    return readdirSync(labs, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(labs, d.name, "dashboards")))
        .flatMap((d) => readdirSync(join(labs, d.name, "dashboards")).filter((f) => f.endsWith(".ts")).map((f) => join(labs, d.name, "dashboards", f)));
}

/** Every dashboard any lab's dashboard file exports (no hand-kept list). */
function allDashboards(): DashboardDefinition[] {
    const found: DashboardDefinition[] = [];
    for (const file of dashboardFiles()) {
        for (const value of Object.values(require(file))) {
            const d = value as DashboardDefinition;
            if (d && typeof d === "object" && "uid" in d && typeof d.build === "function") found.push(d);
        }
    }
    return found;
}

/** Grafana's template variables → values PromQL accepts (`$__rate_interval` → `1m`, `$instance` → `.*`). */
function substituteVariables(expr: string): string {
    return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "1m").replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ".*");
}

/**
 * Metric names TiKV, PD and CockroachDB publish, from their own code and dashboards
 * (tests/fixtures/vendor-metrics.json names each source), as Prometheus sees them: CockroachDB's
 * dotted names with every character outside [a-zA-Z0-9_] as `_` (its /_status/vars exporter),
 * histograms also as `_bucket`, `_count`, `_sum`.
 */
function vendorCatalogue(): Map<string, string> {
    const fixture = JSON.parse(readFileSync(join(ROOT, "tests", "fixtures", "vendor-metrics.json"), "utf8")) as {
        metrics: Record<string, { vendor: string; kind: string; file: string }>;
    };
    const names = new Map<string, string>();
    for (const [name, m] of Object.entries(fixture.metrics)) {
        const exported = name.replace(/[^a-zA-Z0-9_]/g, "_");
        const source = `${m.vendor} ${name} (${m.file})`;
        names.set(exported, source);
        if (m.kind === "histogram") for (const suffix of ["_bucket", "_count", "_sum"]) names.set(exported + suffix, source);
    }
    return names;
}

/** PromQL words that are not metric names: functions, aggregations, modifiers, keywords. */
const PROMQL_WORDS = new Set(
    "sum rate irate increase histogram_quantile by without on ignoring max min avg count deriv delta topk bottomk label_replace clamp_min clamp_max abs time vector scalar or and unless offset bool group_left group_right quantile sum_over_time avg_over_time max_over_time min_over_time changes resets absent sort sort_desc count_over_time stddev ceil floor round predict_linear".split(
        " ",
    ),
);

/** The metric names a PromQL expression reads (label matchers, strings and ranges removed). */
export function metricNames(expr: string): string[] {
    const bare = expr
        .replace(/\{[^}]*\}/g, "")
        .replace(/"[^"]*"/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
    return [...new Set((bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w)))];
}

/** Names in `exprs` the vendors do not publish. */
function unknownMetrics(exprs: string[], catalogue: Map<string, string>): string[] {
    return [...new Set(exprs.flatMap(metricNames))].filter((n) => !catalogue.has(n));
}

describe("dashboards", () => {
    const dashboards = allDashboards();

    it("cover the TiKV, CockroachDB and etcd labs", () => {
        const uids = dashboards.map((d) => d.uid);
        for (const uid of [
            "pd-overview",
            "tikv-overview",
            "tikv-load",
            "crdb-overview",
            "crdb-evolution",
            "etcd-puts",
            "etcd-ranges",
            "etcd-peers",
            "etcd-compaction",
            "etcd-defrag",
        ]) {
            assert.ok(uids.includes(uid), `missing ${uid}: ${uids.join(", ")}`);
        }
        assert.equal(new Set(uids).size, uids.length, "duplicate uid");
    });

    for (const d of dashboards) {
        it(`${d.uid} is valid Grafana dashboard JSON`, () => {
            const model = JSON.parse(JSON.stringify(d.build()));
            assert.equal(model.uid, d.uid);
            assert.equal(typeof model.title, "string");
            assert.ok(Number.isInteger(model.schemaVersion) && model.schemaVersion >= 36);
            assert.ok(Array.isArray(model.panels) && model.panels.length > 0);
            const ids = model.panels.map((p: any) => p.id);
            assert.equal(new Set(ids).size, ids.length, "panel ids must be unique");
            const variables = model.templating.list.map((v: any) => v.name);
            for (const p of model.panels) {
                assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.w <= 24 && p.gridPos.h > 0, `${p.title}: bad gridPos`);
                if (p.type === "row") continue;
                assert.ok(p.description, `${p.title}: no description`);
                assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, `${p.title}: hard-coded datasource`);
                assert.ok(p.targets?.length > 0, `${p.title}: no query`);
                for (const t of p.targets) {
                    for (const used of t.expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
                        assert.ok(used[1].startsWith("__") || variables.includes(used[1]), `${p.title}: unknown variable ${used[1]}`);
                    }
                    assert.ok(!/[a-z]+-\d+:\d+/.test(t.expr), `${p.title}: host name in query`);
                }
            }
        });
    }

    // TiKV, PD and CockroachDB run nowhere here: their names are checked against what the
    // vendors publish, so a renamed or mistyped metric fails.
    for (const prefix of ["tikv-", "crdb-"]) {
        it(`every metric the ${prefix}* dashboards query is one the vendor publishes`, () => {
            const catalogue = vendorCatalogue();
            const exprs = dashboards
                .filter((d) => d.uid.startsWith(prefix))
                .flatMap((d) => (d.build().panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => t.expr as string)));
            assert.ok(exprs.length >= 8, `only ${exprs.length} ${prefix} queries`);
            const names = new Set(exprs.flatMap(metricNames));
            assert.ok(names.size >= 8, `only ${[...names].join(", ")}`);
            assert.deepEqual(unknownMetrics(exprs, catalogue), []);
        });
    }

    it("the vendor-metric check can fail: a renamed metric is caught", () => {
        const catalogue = vendorCatalogue();
        assert.deepEqual(
            unknownMetrics(['sum(tikv_raftstore_region_counts{type="leader"}) by (instance)', "rate(sql_select_count[1m])"], catalogue),
            ["tikv_raftstore_region_counts"],
        );
        assert.deepEqual(
            metricNames('histogram_quantile(0.99, sum(rate(sql_service_latency_bucket{instance=~"$instance"}[$__rate_interval])) by (le))'),
            ["sql_service_latency_bucket"],
        );
    });

    it("every query parses as PromQL (real promtool check rules)", () => {
        const promtool = requireTool("promtool");
        const rules = dashboards.flatMap((d) =>
            (d.build().panels as any[])
                .filter((p) => p.targets)
                .flatMap((p) =>
                    p.targets.map((t: any, i: number) => ({
                        record: `dashboard:${d.uid.replace(/-/g, "_")}:${p.id}_${i}`,
                        expr: substituteVariables(t.expr),
                    })),
                ),
        );
        assert.ok(rules.length > 40, `only ${rules.length} queries`);
        const dir = tempDir("promql");
        try {
            const file = join(dir.path, "queries.yml");
            writeFileSync(file, stringify({ groups: [{ name: "dashboards", rules }] }));
            const result = run(promtool, ["check", "rules", file]);
            assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
            assert.match(result.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
        } finally {
            dir.remove();
        }
    });

    it("the PromQL check can fail: a broken query is refused", () => {
        const promtool = requireTool("promtool");
        const dir = tempDir("promql-bad");
        try {
            const file = join(dir.path, "bad.yml");
            writeFileSync(file, stringify({ groups: [{ name: "bad", rules: [{ record: "x:y", expr: "sum(rate(foo[1m])" }] }] }));
            assert.notEqual(run(promtool, ["check", "rules", file]).status, 0);
        } finally {
            dir.remove();
        }
    });
});
