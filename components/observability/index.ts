/**
 * Prometheus and Grafana, composed from what the clusters hand in: scrape jobs and
 * dashboards. Nothing to click: the datasource and dashboards are provisioned.
 *
 * Images: `prom/prometheus` (port 9090, readiness `/-/ready`, runs as nobody: fsGroup 65534)
 * and `grafana/grafana` (port 3000, `/api/health`, uid 472), both multi-arch. Provisioning
 * formats: grafana.com/docs/grafana/latest/administration/provisioning/.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { DashboardDefinition } from "../../dashboards/presets";
import { Platform } from "../platform";
import { ScrapeJob, renderPrometheusConfig } from "./prometheus-config";

/** Prometheus HTTP port. */
export const PROMETHEUS_PORT = 9090;
/** Grafana HTTP port. */
export const GRAFANA_PORT = 3000;

/** Arguments of {@link Observability}. */
export interface ObservabilityArgs {
    platform: Platform;
    /** Scrape jobs from every cluster component and load generator. */
    scrapeJobs: ScrapeJob[];
    /** Dashboards the components name; provisioned into the `clusterlab` folder. */
    dashboards: DashboardDefinition[];
    /** Prometheus rule files: path in the container → YAML content. */
    ruleFiles?: Record<string, string>;
    /** `global.scrape_interval`, e.g. `15s`. */
    scrapeInterval: string;
    /** TSDB retention, e.g. `7d`. */
    retention: string;
    prometheusImage: string;
    grafanaImage: string;
    /** Docker host ports. */
    prometheusHostPort: number;
    grafanaHostPort: number;
    /** Grafana admin password; generated with @pulumi/random when absent. Always a secret. */
    grafanaAdminPassword?: string;
    /** Run Prometheus; default true. */
    prometheus?: boolean;
    /**
     * Run Grafana; default true. Grafana's only datasource is this Prometheus.
     * @throws Error (from the constructor) when Grafana is asked for without Prometheus.
     */
    grafana?: boolean;
}

/**
 * Grafana datasource provisioning file with one default Prometheus datasource (uid `prometheus`).
 *
 * It deliberately carries no `jsonData.timeInterval` (the datasource's "scrape interval"):
 * Grafana's files are container uploads, and any upload change replaces the Grafana container,
 * so a Prometheus-only change (`observability.scrapeInterval`) must not reach them. Grafana
 * then assumes 15 s (grafana.com/docs/grafana/latest/datasources/prometheus/configure/
 * "Scrape interval": "defaults to 15s"), which only sets the floor of `$__rate_interval`.
 */
export function renderDatasources(prometheusUrl: string): string {
    return stringify({
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: "prometheus",
                type: "prometheus",
                access: "proxy",
                url: prometheusUrl,
                isDefault: true,
                editable: false,
            },
        ],
    });
}

/** Grafana dashboard provider reading JSON files from `path`. */
export function renderDashboardProvider(path: string): string {
    return stringify({
        apiVersion: 1,
        providers: [
            {
                name: "clusterlab",
                folder: "clusterlab",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                options: { path },
            },
        ],
    });
}

/** Prometheus + Grafana (`clusterlab:index:Observability`). */
export class Observability extends pulumi.ComponentResource {
    /** Where a user opens Prometheus; undefined when Prometheus is switched off. */
    public readonly prometheusUrl?: string;
    /** Where a user opens Grafana (login `admin`, password in the `grafanaAdminPassword` secret output); undefined when off. */
    public readonly grafanaUrl?: string;
    /** Grafana's admin password (secret); undefined when Grafana is off. */
    public readonly grafanaAdminPassword?: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:Observability", name, {}, opts);
        const withPrometheus = args.prometheus ?? true;
        const withGrafana = args.grafana ?? true;
        if (withGrafana && !withPrometheus) {
            throw new Error("Observability: Grafana reads Prometheus as its only datasource; switch Prometheus on or Grafana off");
        }
        if (withPrometheus) this.prometheusUrl = this.deployPrometheus(args);
        if (withGrafana) [this.grafanaUrl, this.grafanaAdminPassword] = this.deployGrafana(name, args);
        this.registerOutputs({ prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl });
    }

    /** Prometheus with the rendered config and rule files; returns its user URL. */
    private deployPrometheus(args: ObservabilityArgs): string {
        const { platform } = args;
        const rulePaths = Object.keys(args.ruleFiles ?? {});
        const prometheusConfig = renderPrometheusConfig(args.scrapeJobs, {
            scrapeInterval: args.scrapeInterval,
            ruleFiles: rulePaths,
        });
        platform.deployGroup(
            {
                name: "prometheus",
                component: "prometheus",
                replicas: 1,
                image: platform.image(args.prometheusImage),
                args: () => [
                    "--config.file=/etc/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${args.retention}`,
                    "--web.enable-lifecycle",
                ],
                ports: [{ name: "http", containerPort: PROMETHEUS_PORT, hostPortBase: args.prometheusHostPort }],
                data: { mountPath: "/prometheus", sizeGiB: 10 },
                files: [
                    { path: "/etc/prometheus/prometheus.yml", content: prometheusConfig },
                    ...Object.entries(args.ruleFiles ?? {}).map(([path, content]) => ({ path, content })),
                ],
                readiness: { http: { port: PROMETHEUS_PORT, path: "/-/ready" } },
                fsGroup: 65534,
            },
            this,
        );
        return platform.userUrl("prometheus", PROMETHEUS_PORT, args.prometheusHostPort);
    }

    /** Grafana with the provisioned datasource and dashboards; returns its user URL and admin password. */
    private deployGrafana(name: string, args: ObservabilityArgs): [string, pulumi.Output<string>] {
        const { platform } = args;
        // Secret whatever its source: RandomPassword marks `result` secret through the engine, which mocks do not model.
        const password = pulumi.secret(
            args.grafanaAdminPassword ??
                new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, { parent: this }).result,
        );
        const dashboardDir = "/etc/grafana/dashboards";
        platform.deployGroup(
            {
                name: "grafana",
                component: "grafana",
                replicas: 1,
                image: platform.image(args.grafanaImage),
                args: () => [],
                env: {
                    GF_SECURITY_ADMIN_USER: "admin",
                    GF_AUTH_ANONYMOUS_ENABLED: "true",
                    GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
                    ...(args.dashboards.length
                        ? { GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: `${dashboardDir}/${args.dashboards[0].uid}.json` }
                        : {}),
                },
                secretEnv: { GF_SECURITY_ADMIN_PASSWORD: password },
                ports: [{ name: "http", containerPort: GRAFANA_PORT, hostPortBase: args.grafanaHostPort }],
                data: { mountPath: "/var/lib/grafana", sizeGiB: 1 },
                files: [
                    {
                        path: "/etc/grafana/provisioning/datasources/clusterlab.yaml",
                        content: renderDatasources(`http://${platform.serviceHost("prometheus")}:${PROMETHEUS_PORT}`),
                    },
                    { path: "/etc/grafana/provisioning/dashboards/clusterlab.yaml", content: renderDashboardProvider(dashboardDir) },
                    ...args.dashboards.map((d) => ({ path: `${dashboardDir}/${d.uid}.json`, content: JSON.stringify(d.build(), null, 2) })),
                ],
                readiness: { http: { port: GRAFANA_PORT, path: "/api/health" } },
                fsGroup: 472,
            },
            this,
        );
        return [platform.userUrl("grafana", GRAFANA_PORT, args.grafanaHostPort), password];
    }
}
