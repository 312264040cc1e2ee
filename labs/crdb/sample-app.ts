/**
 * The sample app (`app/`) as a platform-neutral group without data: a Deployment + Service on
 * Kubernetes, one container on Docker. Its spec never depends on the phase.
 *
 * Reads in phase 0: the `crdb-reader` entrypoint exists from phase 0, but the read-only user is
 * created by phase 1's SQL. The app is always given the reader URL and
 * `APP_READER_FALLBACK=writer`: while the reader cannot log in (SQLSTATE class 28), reads go
 * through the writer pool, and the app tries the reader again every few seconds, so reads move
 * to the reader as soon as phase 1's SQL has run — no change to the Deployment. A reader that
 * cannot be *reached* is never papered over: `/readyz` fails.
 *
 * Probes: readiness `GET /readyz`, liveness `GET /healthz` on port 8080 (`app/src/server.ts`).
 * The app exports Prometheus metrics at `/metrics` on the same port.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigFile, Platform, SecretMount } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { sampleApp } from "./dashboards/sample-app";
import { imageSource, resolveImage } from "../../components/images";

/** The app's HTTP port: API, live page, `/metrics` (`APP_PORT`'s default). */
export const SAMPLE_APP_PORT = 8080;
/** Group and Service name. */
export const SAMPLE_APP = "sample-app";
/** Build context of the image, relative to the project root. */
export const SAMPLE_APP_CONTEXT = "app";

/** The app's version (`app/package.json`), the tag of a locally built image. */
export function sampleAppVersion(): string {
    return (JSON.parse(readFileSync(join(__dirname, "..", "..", SAMPLE_APP_CONTEXT, "package.json"), "utf8")) as { version: string })
        .version;
}

/** Arguments of {@link SampleApp}. */
export interface SampleAppArgs {
    platform: Platform;
    /** A pinned image reference; omit to build `app/Dockerfile` (Docker only: Kubernetes refuses, see `Platform.buildImage`). */
    image?: string;
    /**
     * Writer connection string (libpq style), e.g. `postgresql://root@crdb-writer:26257/lab?sslmode=disable`.
     * Handed over in a Secret: in secure mode it carries `sslmode=verify-full` and certificate paths.
     */
    writerUrl: pulumi.Input<string>;
    /** Reader connection string, as the read-only user through `crdb-reader`. */
    readerUrl: pulumi.Input<string>;
    /** Files the URLs refer to (CA and client certificates in secure mode), mounted read-only. */
    files?: ConfigFile[];
    /** Secret file sets the URLs refer to (a secure cluster's client certificate directories). */
    secretMounts?: SecretMount[];
    /** Docker: host port of the app's HTTP port. */
    hostPort: number;
    /** Background load at start, and its rate (requests per second). */
    loadOnStart: boolean;
    loadRps: number;
    /** `POST /spike` guardrails: seconds and requests per second. */
    spikeMaxSeconds: number;
    spikeMaxRps: number;
    /** OTLP/HTTP endpoint; tracing is on when set. */
    otlpEndpoint?: string;
    /** Start after these (the database and schema exist). */
    dependsOn: pulumi.Resource[];
    /** Kubernetes pod `fsGroup`: the group that may read the mounted key files (the app's own). */
    fsGroup?: number;
    /** `APP_CONTROL_TOKEN` (config `app.controlToken`); generated with @pulumi/random when absent. */
    controlToken?: string;
}

/** Length of a generated control token: 48 of [A-Za-z0-9], inside the app's 32..256 of [A-Za-z0-9_-] (`app/src/config.ts`). */
export const CONTROL_TOKEN_LENGTH = 48;

/** The environment of the app's container (`app/src/config.ts` reads it). */
export function sampleAppEnv(
    args: Omit<SampleAppArgs, "platform" | "writerUrl" | "readerUrl" | "dependsOn" | "hostPort" | "image" | "fsGroup" | "controlToken">,
): Record<string, string> {
    return {
        APP_PORT: String(SAMPLE_APP_PORT),
        APP_READER_FALLBACK: "writer",
        APP_LOAD_ON_START: String(args.loadOnStart),
        APP_LOAD_RPS: String(args.loadRps),
        APP_SPIKE_MAX_SECONDS: String(args.spikeMaxSeconds),
        APP_SPIKE_MAX_RPS: String(args.spikeMaxRps),
        APP_OTEL_ENABLED: String(args.otlpEndpoint !== undefined),
        ...(args.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: args.otlpEndpoint, OTEL_SERVICE_NAME: SAMPLE_APP } : {}),
    };
}

/** The sample app (`clusterlab:index:SampleApp`): its group, scrape job, dashboard and URL. */
export class SampleApp extends pulumi.ComponentResource {
    public readonly scrapeJobs: ScrapeJob[];
    public readonly dashboards: DashboardDefinition[] = [sampleApp];
    /** Where a user opens the live page. */
    public readonly url: string;
    public readonly ready: pulumi.Resource[];
    /** The Bearer token of the app's state-changing routes (a secret). */
    public readonly controlToken: pulumi.Output<string>;

    constructor(name: string, args: SampleAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:SampleApp", name, {}, opts);
        const { platform } = args;
        // Secret whatever its source (mocks do not model RandomPassword's secret result), like Grafana's password.
        this.controlToken = pulumi.secret(
            args.controlToken ??
                new random.RandomPassword(`${name}-control-token`, { length: CONTROL_TOKEN_LENGTH, special: false }, { parent: this })
                    .result,
        );
        const image = resolveImage(
            platform,
            imageSource(args.image, { name: SAMPLE_APP, context: SAMPLE_APP_CONTEXT, tag: sampleAppVersion() }),
            this,
        );
        const group = platform.deployGroup(
            {
                name: SAMPLE_APP,
                component: "sample-app",
                replicas: 1,
                image,
                command: ["node", "/app/dist/main.js"],
                args: () => [],
                env: sampleAppEnv(args),
                secretEnv: {
                    APP_DB_WRITER_URL: pulumi.secret(pulumi.output(args.writerUrl)),
                    APP_DB_READER_URL: pulumi.secret(pulumi.output(args.readerUrl)),
                    APP_CONTROL_TOKEN: this.controlToken,
                },
                fsGroup: args.fsGroup,
                ports: [{ name: "http", containerPort: SAMPLE_APP_PORT, hostPortBase: args.hostPort }],
                files: args.files,
                secretMounts: args.secretMounts,
                readiness: { http: { port: SAMPLE_APP_PORT, path: "/readyz" }, periodSeconds: 5, failureThreshold: 3 },
                liveness: {
                    http: { port: SAMPLE_APP_PORT, path: "/healthz" },
                    periodSeconds: 10,
                    failureThreshold: 6,
                    initialDelaySeconds: 10,
                },
                waitHealthy: false,
                dependsOn: args.dependsOn,
            },
            this,
        );
        // Through the group's Service (Kubernetes) or network alias (Docker): one target whatever the pod's name.
        this.scrapeJobs = [
            { job: SAMPLE_APP, targets: [`${platform.serviceHost(SAMPLE_APP)}:${SAMPLE_APP_PORT}`], metricsPath: "/metrics" },
        ];
        this.url = platform.userUrl(SAMPLE_APP, SAMPLE_APP_PORT, args.hostPort, "/");
        this.ready = group.ready;
        this.registerOutputs({ url: this.url });
    }
}
