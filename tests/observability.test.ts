import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { renderPrometheusConfig } from "../components/observability/prometheus-config";
import { Observability } from "../components/observability";
import { DockerPlatform } from "../components/platform";
import { evaluate, ofType, recordingMocks, renderedFiles, settle, stackConfig, stackFiles } from "./support/evaluate";
import { requireTool, run, tempDir } from "./support/tools";

/** The files the platform writes into a stack's Prometheus: path → content. */
async function renderedPrometheusFiles(stack: string): Promise<Record<string, string>> {
    return renderedFiles(await evaluate(stackConfig(stack), stack), "prometheus");
}

/** The rendered prometheus.yml of a stack. */
async function renderedPrometheusConfig(stack: string): Promise<string> {
    return (await renderedPrometheusFiles(stack))["/etc/prometheus/prometheus.yml"];
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
        assert.throws(
            () =>
                renderPrometheusConfig(
                    [
                        { job: "a", targets: ["x:1"] },
                        { job: "a", targets: ["y:1"] },
                    ],
                    { scrapeInterval: "15s" },
                ),
            /duplicate scrape job name "a"/,
        );
    });

    for (const stack of stackFiles().keys()) {
        it(`passes a real promtool check config (${stack})`, async () => {
            const promtool = requireTool("promtool");
            const dir = tempDir("promcfg");
            try {
                const files = await renderedPrometheusFiles(stack);
                // promtool checks the rule files too: write every rendered file under the temp dir
                // and point rule_files there (the only rewrite).
                const config = parse(files["/etc/prometheus/prometheus.yml"]);
                for (const [path, content] of Object.entries(files)) {
                    mkdirSync(dirname(join(dir.path, path)), { recursive: true });
                    writeFileSync(join(dir.path, path), content);
                }
                config.rule_files = (config.rule_files ?? []).map((p: string) => {
                    assert.ok(files[p], `${stack}: rule file ${p} is referenced but not rendered`);
                    return join(dir.path, p);
                });
                const file = join(dir.path, "prometheus.yml");
                writeFileSync(file, stringify(config));
                const result = run(promtool, ["check", "config", file]);
                assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
                assert.match(result.stdout + result.stderr, /SUCCESS/);
            } finally {
                dir.remove();
            }
        });
    }
});

describe("Grafana admin password", () => {
    for (const [source, password] of [
        ["config secret", "from-config-secret"],
        ["@pulumi/random", undefined],
    ] as const) {
        it(`is a Pulumi secret when it comes from ${source}`, async () => {
            const graph = await recordingMocks("secret-test");
            const platform = new DockerPlatform("docker", { lab: "unit", stack: "secret-test", arch: "amd64" });
            const obs = new Observability("observability", {
                platform,
                scrapeJobs: [],
                dashboards: [],
                scrapeInterval: "15s",
                retention: "1d",
                prometheusImage: "prom/prometheus:v2.55.1",
                grafanaImage: "grafana/grafana:11.3.1",
                prometheusHostPort: 9090,
                grafanaHostPort: 3000,
                grafanaAdminPassword: password,
            });
            assert.ok(obs.grafanaAdminPassword, "Grafana is on by default");
            assert.equal(await pulumi.isSecret(obs.grafanaAdminPassword), true);
            await settle();
            const generated = ofType(graph, "random:index/randomPassword:RandomPassword");
            assert.equal(generated.length, password ? 0 : 1);
        });
    }
});
