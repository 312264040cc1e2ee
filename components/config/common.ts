/**
 * Settings every lab shares: platform, architecture, Kubernetes, observability, image
 * substitutions, the Grafana password and `allowReplace`. Each lab's schema spreads {@link common}.
 */
import { z } from "zod";
import { promDurationIn } from "./durations";
import { hostPort, pinnedImage, pinnedTag } from "./primitives";

/** Project name: the config namespace (`clusterlab:<key>`) and the Pulumi project. */
export const PROJECT = "clusterlab";

/** Where the stack runs: `docker` (a laptop's engine) or `kubernetes` (current kube context). */
export const PlatformKind = z.enum(["docker", "kubernetes"], {
    error: 'expected "docker" or "kubernetes"',
});
/** `docker` or `kubernetes`. */
export type PlatformKind = z.infer<typeof PlatformKind>;

/** CPU architecture of the images to pull: `amd64`, or `arm64` for Apple Silicon / OrbStack. */
export const Arch = z.enum(["amd64", "arm64"], { error: 'expected "amd64" or "arm64"' });
/** `amd64` or `arm64`. */
export type Arch = z.infer<typeof Arch>;

/**
 * Kubernetes settings. `renderYamlToDirectory` makes the provider write manifests to that
 * directory instead of talking to a cluster (pulumi-kubernetes `Provider.renderYamlToDirectory`),
 * which is how `pulumi up` runs on a machine without a cluster.
 */
const KubernetesSettings = z
    .strictObject({
        namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "expected a DNS-1123 label" })
            .default("clusterlab"),
        context: z.string().optional(),
        renderYamlToDirectory: z.string().min(1).optional(),
        storageClassName: z.string().optional(),
    })
    .prefault({});

/** Prometheus + Grafana switches and their pinned images and host ports. */
const ObservabilitySettings = z
    .strictObject({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        /** At least 1s, at most 5m: Prometheus marks a series stale after 5m without a sample (prometheus.io/docs/prometheus/latest/querying/basics/#staleness). */
        scrapeInterval: promDurationIn("1s", "5m").default("15s"),
        prometheusVersion: pinnedTag.default("v2.55.1"),
        grafanaVersion: pinnedTag.default("11.3.1"),
        prometheusHostPort: hostPort.default(9090),
        grafanaHostPort: hostPort.default(3000),
        /** `--storage.tsdb.retention.time`; at least 2h, Prometheus's TSDB block length (prometheus.io/docs/prometheus/latest/storage/). */
        retention: promDurationIn("2h", "10y").default("7d"),
        /** Run Prometheus (scrapes every lab component; loads the lab's rule files). */
        prometheus: z.boolean({ error: "expected true or false" }).default(true),
        /** Run Grafana; it reads Prometheus as its datasource, so it needs `prometheus: true`. */
        grafana: z.boolean({ error: "expected true or false" }).default(true),
    })
    .prefault({});

/**
 * An image the labs use by default, named by repository (`prom/prometheus`) or by full
 * reference (`curlimages/curl:8.11.1`): the key of an {@link ImageSubstitutions} entry.
 */
const imageKey = z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*$/, {
    error: "expected an image repository such as prom/prometheus, or a full reference",
});

/** Settings every lab shares. */
export const common = {
    /** Grafana admin password; set with `pulumi config set --secret grafanaAdminPassword …`, else generated. */
    grafanaAdminPassword: z.string().min(8, { error: "expected at least 8 characters" }).optional(),
    /** Permits changes that replace a stateful resource (see components/guard.ts). */
    allowReplace: z.boolean().default(false),
    platform: PlatformKind.default("docker"),
    arch: Arch.default("amd64"),
    kubernetes: KubernetesSettings,
    observability: ObservabilitySettings,
    /**
     * Image substitutions, as kustomize's `images:` does them: each key names an image the lab
     * uses by default, by repository (`prom/prometheus`, matching any tag) or by full reference
     * (`curlimages/curl:8.11.1`, exact match wins); each value is the pinned reference to run
     * instead (a mirror, a local build). Covers members, Prometheus, Grafana and one-shot steps;
     * each lab's config names its default references (components/images.ts applies the substitutions).
     */
    images: z.record(imageKey, pinnedImage).default({}),
};
