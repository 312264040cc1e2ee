import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderPrometheusConfig } from "../components/prometheus-config";
import { evaluate, ofType, stackConfig, stackFiles } from "./support/evaluate";
import { requireTool, run, tempDir } from "./support/tools";

/** The rendered prometheus.yml of a stack, as the platform would write it. */
async function renderedPrometheusConfig(stack: string): Promise<string> {
    const graph = await evaluate(stackConfig(stack), stack);
    const prometheus = ofType(graph, "docker:index/container:Container").find((c) => c.name === "prometheus-0");
    if (prometheus) return prometheus.inputs.uploads.find((u: { file: string }) => u.file === "/etc/prometheus/prometheus.yml").content;
    const configMap = ofType(graph, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "prometheus-files");
    assert.ok(configMap, `${stack}: no Prometheus config rendered`);
    return configMap.inputs.data["etc-prometheus-prometheus.yml"];
}

describe("Prometheus config", () => {
    it("has one job per component with the members as targets", async () => {
        const config = parse(await renderedPrometheusConfig("dev"));
        const jobs = Object.fromEntries(config.scrape_configs.map((j: any) => [j.job_name, j]));
        assert.deepEqual(jobs.pd.static_configs[0].targets, ["pd-0:2379", "pd-1:2379", "pd-2:2379"]);
        assert.deepEqual(jobs.tikv.static_configs[0].targets, ["tikv-0:20180", "tikv-1:20180", "tikv-2:20180"]);
        assert.equal(jobs.pd.honor_labels, true);
    });

    it("refuses two jobs with one name", () => {
        assert.throws(() => renderPrometheusConfig([{ job: "a", targets: ["x:1"] }, { job: "a", targets: ["y:1"] }], { scrapeInterval: "15s" }), /duplicate scrape job name "a"/);
    });

    for (const stack of stackFiles().keys()) {
        it(`passes a real promtool check config (${stack})`, async () => {
            const promtool = requireTool("promtool");
            const dir = tempDir("promcfg");
            try {
                const text = await renderedPrometheusConfig(stack);
                // Rule files are checked by promtool too: write them where the config points.
                const config = parse(text);
                for (const ruleFile of config.rule_files ?? []) {
                    assert.fail(`${stack}: rule file ${ruleFile} is not written by this test`);
                }
                const file = join(dir.path, "prometheus.yml");
                writeFileSync(file, text);
                const result = run(promtool, ["check", "config", file]);
                assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
                assert.match(result.stdout + result.stderr, /SUCCESS/);
            } finally {
                dir.remove();
            }
        });
    }
});
