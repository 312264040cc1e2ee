/**
 * Scrape targets as data, and the Prometheus configuration rendered from them.
 *
 * Format: Prometheus `scrape_config` / `static_config`
 * (prometheus.io/docs/prometheus/latest/configuration/configuration/). Job names follow
 * TiUP's (`pd`, `tikv`, …) with `honor_labels: true`.
 */
import { stringify } from "yaml";

/** One Prometheus scrape job over static targets. */
export interface ScrapeJob {
    /** Job name (`job` label), e.g. `pd`, `tikv`, `etcd`, `cockroachdb`. */
    job: string;
    /** `host:port` addresses as Prometheus reaches them. */
    targets: string[];
    /** Metrics path; default `/metrics`. CockroachDB: `/_status/vars`. */
    metricsPath?: string;
    /** Extra labels on every target, e.g. `{ cluster: "tikv" }`. */
    labels?: Record<string, string>;
    /** `scheme`; default `http`. A secure CockroachDB serves its HTTP port over TLS only. */
    scheme?: "http" | "https";
    /** `tls_config.insecure_skip_verify`: scrape TLS without checking the server certificate against a CA. */
    insecureSkipVerify?: boolean;
}

/** Global settings of the rendered configuration. */
export interface PrometheusSettings {
    /** `global.scrape_interval`, a Prometheus duration such as `15s`. */
    scrapeInterval: string;
    /** `global.external_labels`. */
    externalLabels?: Record<string, string>;
    /** Paths of rule files to load (`rule_files`). */
    ruleFiles?: string[];
}

/**
 * Renders `prometheus.yml` for the given jobs. Jobs with no targets are left out (an empty
 * `static_configs` is legal but shows nothing). Job names must be unique.
 *
 * @throws Error when two jobs share a name.
 */
export function renderPrometheusConfig(jobs: ScrapeJob[], settings: PrometheusSettings): string {
    const seen = new Set<string>();
    for (const job of jobs) {
        if (seen.has(job.job)) throw new Error(`duplicate scrape job name "${job.job}"`);
        seen.add(job.job);
    }
    const config = {
        global: {
            scrape_interval: settings.scrapeInterval,
            evaluation_interval: settings.scrapeInterval,
            ...(settings.externalLabels ? { external_labels: settings.externalLabels } : {}),
        },
        ...(settings.ruleFiles?.length ? { rule_files: settings.ruleFiles } : {}),
        scrape_configs: jobs
            .filter((job) => job.targets.length > 0)
            .map((job) => ({
                job_name: job.job,
                honor_labels: true,
                metrics_path: job.metricsPath ?? "/metrics",
                ...(job.scheme ? { scheme: job.scheme } : {}),
                ...(job.insecureSkipVerify ? { tls_config: { insecure_skip_verify: true } } : {}),
                static_configs: [{ targets: job.targets, ...(job.labels ? { labels: job.labels } : {}) }],
            })),
    };
    return stringify(config, { lineWidth: 0 });
}
