import * as assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { DashboardDefinition } from "../dashboards/presets";
import { ROOT } from "./support/evaluate";
import { requireTool, run, tempDir } from "./support/tools";

/** Every dashboard any file in dashboards/ exports (no hand-kept list). */
function allDashboards(): DashboardDefinition[] {
    const found: DashboardDefinition[] = [];
    for (const file of readdirSync(join(ROOT, "dashboards")).filter((f) => f.endsWith(".ts") && f !== "presets.ts")) {
        for (const value of Object.values(require(join(ROOT, "dashboards", file)))) {
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

describe("dashboards", () => {
    const dashboards = allDashboards();

    it("cover the TiKV, CockroachDB and etcd labs", () => {
        const uids = dashboards.map((d) => d.uid);
        for (const uid of [
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
