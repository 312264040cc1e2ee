/**
 * A load generator, described as data: a one-shot run (Kubernetes Job / Docker container
 * that runs once) or a continuous one (Deployment / restarting container), with an
 * optional Prometheus endpoint. The per-tool plans live in `components/load/`.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform, SecretMount } from "./platform";
import { ScrapeJob } from "./observability/prometheus-config";
import { DashboardDefinition } from "../dashboards/presets";
import { ImageSource, resolveImage } from "./images";

/** What a load plan asks for. */
export interface LoadPlan {
    /** Resource/member name, e.g. `go-ycsb`, `crdb-workload`. */
    name: string;
    /** `once`: runs to completion; `continuous`: runs until the stack changes it. */
    mode: "once" | "continuous";
    /** A pinned reference to pull, or a Dockerfile in this repo to build (tools without an official image). */
    image: ImageSource;
    command?: string[];
    args: string[];
    env?: Record<string, string>;
    /** A Prometheus endpoint the generator serves (port, path). */
    metrics?: { port: number; path: string };
    dashboards?: DashboardDefinition[];
    /** Secret file sets the generator mounts (client certificates of a secure database). */
    secretMounts?: SecretMount[];
}

/** Arguments of {@link LoadGen}. */
export interface LoadGenArgs {
    platform: Platform;
    plan: LoadPlan;
    /** Start only after these (the database being healthy/initialised). */
    dependsOn: pulumi.Resource[];
}

/** A load generator (`clusterlab:index:LoadGen`). */
export class LoadGen extends pulumi.ComponentResource {
    /** Scrape job named after the plan, when it serves metrics. */
    public readonly scrapeJobs: ScrapeJob[];
    public readonly dashboards: DashboardDefinition[];

    constructor(name: string, args: LoadGenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:LoadGen", name, {}, opts);
        const { platform, plan } = args;
        const image = resolveImage(platform, plan.image, this);
        let host: string | undefined;
        if (plan.mode === "once") {
            platform.runTask(
                {
                    name: plan.name,
                    component: "load",
                    image,
                    command: plan.command,
                    args: plan.args,
                    env: plan.env,
                    retries: 3,
                    waitForCompletion: false,
                    dependsOn: args.dependsOn,
                    secretMounts: plan.secretMounts,
                },
                this,
            );
        } else {
            platform.deployGroup(
                {
                    name: plan.name,
                    component: "load",
                    replicas: 1,
                    image,
                    command: plan.command,
                    args: () => plan.args,
                    env: plan.env,
                    ports: plan.metrics ? [{ name: "metrics", containerPort: plan.metrics.port }] : [],
                    dependsOn: args.dependsOn,
                    secretMounts: plan.secretMounts,
                },
                this,
            );
            host = platform.serviceHost(plan.name);
        }
        this.scrapeJobs =
            plan.metrics && host ? [{ job: plan.name, targets: [`${host}:${plan.metrics.port}`], metricsPath: plan.metrics.path }] : [];
        this.dashboards = plan.dashboards ?? [];
        this.registerOutputs({ scrapeJobs: this.scrapeJobs });
    }
}
