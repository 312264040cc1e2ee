/** Wires a lab's scrape jobs and dashboards into Observability, as the stack config says. */
import type { StackConfig } from "../config";
import { Observability } from ".";
import { Platform } from "../platform";
import { ScrapeJob } from "./prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { LabOutputs } from "../../labs/types";

/** What a lab hands to Observability. */
export interface Observed {
    scrapeJobs: ScrapeJob[];
    dashboards: DashboardDefinition[];
    /** Prometheus rule files: container path → YAML. */
    ruleFiles?: Record<string, string>;
}

/**
 * Adds Prometheus and/or Grafana when `observability.enabled` (each switched by
 * `observability.prometheus` / `observability.grafana`), with images `prom/prometheus` and
 * `grafana/grafana` at the configured tags (substituted by the stack's `images:`).
 * @returns outputs `prometheusUrl`, `grafanaUrl`, `grafanaAdminPassword` (secret), each only when that service runs.
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
        prometheus: o.prometheus,
        grafana: o.grafana,
    });
    const outputs: LabOutputs = {};
    if (obs.prometheusUrl) outputs.prometheusUrl = obs.prometheusUrl;
    if (obs.grafanaUrl) Object.assign(outputs, { grafanaUrl: obs.grafanaUrl, grafanaAdminPassword: obs.grafanaAdminPassword });
    return outputs;
}
