/** Wires a lab's scrape jobs and dashboards into Observability, as the stack config says. */
import { StackConfig } from "../config";
import { Observability } from "../observability";
import { Platform } from "../platform";
import { ScrapeJob } from "../prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { LabOutputs } from "./types";

/** What a lab hands to Observability. */
export interface Observed {
    scrapeJobs: ScrapeJob[];
    dashboards: DashboardDefinition[];
    /** Prometheus rule files: container path → YAML. */
    ruleFiles?: Record<string, string>;
}

/**
 * Adds Prometheus + Grafana when `observability.enabled`, with images `prom/prometheus` and
 * `grafana/grafana` at the configured tags.
 * @returns outputs `prometheusUrl`, `grafanaUrl`, `grafanaAdminPassword` (secret); empty when disabled.
 */
export function observe(config: StackConfig, platform: Platform, observed: Observed): LabOutputs {
    const o = config.observability;
    if (!o.enabled) return {};
    const obs = new Observability("observability", {
        platform,
        ...observed,
        scrapeInterval: o.scrapeInterval,
        retention: o.retention,
        prometheusImage: `prom/prometheus:${o.prometheusVersion}`,
        grafanaImage: `grafana/grafana:${o.grafanaVersion}`,
        prometheusHostPort: o.prometheusHostPort,
        grafanaHostPort: o.grafanaHostPort,
        grafanaAdminPassword: config.grafanaAdminPassword,
    });
    return { prometheusUrl: obs.prometheusUrl, grafanaUrl: obs.grafanaUrl, grafanaAdminPassword: obs.grafanaAdminPassword };
}
