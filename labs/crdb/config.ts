/**
 * The CockroachDB lab's config: nodes, phase, `cockroach workload`, the sample app; its
 * cross-key checks and host ports.
 */
import { z } from "zod";
import { common } from "../../components/config/common";
import { canBuildImages } from "../../components/config/checks";
import { HostPortKey } from "../../components/config/ports";
import { hostPort, intIn, pinnedImage, pinnedTag, volumeGiB } from "../../components/config/primitives";

/** The SQL and backup steps of each phase (see `sql/`). */
export const CrdbPhase = intIn(0, 2);

const CrdbSettings = z
    .strictObject({
        nodes: intIn(1, 9).default(1),
        version: pinnedTag.default("v24.3.5"),
        storageGiB: volumeGiB.default(10),
        sqlHostPort: hostPort.default(26257),
        httpHostPort: hostPort.default(8080),
        /**
         * TLS everywhere with certificates issued by the stack (labs/crdb/certs.ts): `--certs-dir`
         * instead of `--insecure`, password-less SQL users by client certificate. Switching a deployed
         * stack either way restarts every node with new flags: the guard asks for `allowReplace`.
         */
        secure: z.boolean({ error: "expected true or false" }).default(true),
        /** Validity of the node and client certificates in hours (1 day..10 years); a new value re-issues them and rolls the nodes. */
        certValidityHours: intIn(24, 87_600).default(43_800),
        allowScaleIn: z.boolean().default(false),
        /**
         * Finalize the major-version upgrade to this major (`YY.R`, e.g. `"25.1"`): a one-shot task
         * `crdb-finalize-<major>` runs `SET CLUSTER SETTING version = '<major>'`, waits until the
         * cluster reads it, and turns `cluster.auto_upgrade.enabled` back on (labs/crdb/upgrade.ts).
         * A separate, later config step, never part of the version bump: finalization runs migrations
         * that "cannot be rolled back", so finalize only once every node runs the new version and you
         * have checked the cluster (cockroachlabs.com/docs "Upgrade CockroachDB self-hosted",
         * "Finalize a major-version upgrade manually"); until then the bump's hold
         * (`cluster.auto_upgrade.enabled = false`) keeps a downgrade possible. Must be the major of
         * `crdb.version` (a cross-check), and may not be set in the same change as the major bump (a
         * transition check). A number (`25.1`, as `pulumi config set --path` may store it) is read as
         * its text.
         */
        finalizeUpgrade: z
            .union([z.string(), z.number().transform(String)], { error: 'expected a major version such as "25.1"' })
            .pipe(z.string().regex(/^\d+\.\d+$/, { error: 'expected a major version YY.R such as "25.1"' }))
            .optional(),
    })
    .prefault({});

/** `cockroach workload` (cockroachlabs.com/docs/stable/cockroach-workload). */
const CrdbWorkloadSettings = z
    .strictObject({
        enabled: z.boolean().default(true),
        workload: z.enum(["kv", "tpcc"]).default("kv"),
        concurrency: intIn(1, 64).default(4),
        maxRate: intIn(0, 10_000).default(200),
        readPercent: intIn(0, 100).default(50),
        warehouses: intIn(1, 100).default(1),
        prometheusPort: intIn(1024, 65535).default(2112),
    })
    .prefault({});

/**
 * The sample app (`app/`): `POST /login` through `crdb-writer`, `GET /search` through
 * `crdb-reader` as the read-only user, `POST /spike`, a live page. No published image: on
 * Docker it is built from `app/Dockerfile` unless `image` names one; on Kubernetes `image` is
 * required (build `app/Dockerfile`, push it or load it into the cluster).
 */
const SampleAppSettings = z
    .strictObject({
        enabled: z.boolean({ error: "expected true or false" }).default(true),
        image: pinnedImage.optional(),
        /** Docker: host port of the app's HTTP port (live page, API, /metrics). */
        hostPort: hostPort.default(8000),
        /** The app's own background load at start (the live page's "load" switch), requests per second. */
        loadOnStart: z.boolean({ error: "expected true or false" }).default(true),
        loadRps: intIn(1, 200).default(5),
        /** `POST /spike` guardrails: the largest duration (seconds) and rate (requests per second) it accepts. */
        spikeMaxSeconds: intIn(1, 3600).default(120),
        spikeMaxRps: intIn(1, 5000).default(500),
        /** OTLP/HTTP endpoint (e.g. `http://otel-collector:4318`); set to switch tracing on. */
        /**
         * `APP_CONTROL_TOKEN`, the Bearer token of `POST /login`, `/spike`, `/controls`: 32..256 of
         * [A-Za-z0-9_-] (`app/src/config.ts`). Set with `pulumi config set --secret --path app.controlToken …`;
         * unset: generated. Read it back with `pulumi stack output appControlToken --show-secrets`.
         */
        controlToken: z
            .string()
            .regex(/^[A-Za-z0-9_-]{32,256}$/, { error: "expected 32..256 characters of A-Z, a-z, 0-9, _ and -" })
            .optional(),
        otlpEndpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://otel-collector:4318" }).optional(),
    })
    .prefault({});

/** The CockroachDB evolution lab (phase0..phase2). */
export const CrdbLabConfig = z.strictObject({
    lab: z.literal("crdb"),
    ...common,
    phase: CrdbPhase.default(0),
    crdb: CrdbSettings,
    load: CrdbWorkloadSettings,
    app: SampleAppSettings,
});
/** Parsed config of a CockroachDB lab stack. */
export type CrdbLabConfig = z.infer<typeof CrdbLabConfig>;

/** Host ports the CockroachDB lab publishes: SQL and HTTP per node, the sample app's HTTP port. */
export const CRDB_HOST_PORTS: HostPortKey[] = [
    { path: "crdb.sqlHostPort", members: "crdb.nodes" },
    { path: "crdb.httpHostPort", members: "crdb.nodes" },
    { path: "app.hostPort", when: ["app.enabled"] },
];

/**
 * Rules that span keys of the CockroachDB lab: a phase's replication factor needs that many
 * nodes; Kubernetes needs a pushed sample-app image (none is published); `crdb.finalizeUpgrade`
 * names the major of `crdb.version`.
 * @returns one line per problem, naming the key; empty when none.
 */
export function crdbCrossChecks(config: CrdbLabConfig, userSet: (path: string) => boolean): string[] {
    const problems: string[] = [];
    if (config.crdb.nodes < config.phase + 1) {
        const rf = config.phase + 1;
        problems.push(
            userSet("crdb.nodes") || !userSet("phase")
                ? `crdb.nodes: phase ${config.phase} sets replication factor ${rf}, which needs at least ${rf} nodes, got ${config.crdb.nodes}`
                : `phase: phase ${config.phase} sets replication factor ${rf}, which needs crdb.nodes ≥ ${rf} (it is ${config.crdb.nodes}, its default); set crdb.nodes as well, got ${config.phase}`,
        );
    }
    if (!canBuildImages(config.platform) && config.app.enabled && !config.app.image) {
        problems.push(
            `app.image: required on ${config.platform} (no published sample-app image; build app/Dockerfile and push it, or set app.enabled to false), got nothing`,
        );
    }
    const finalize = config.crdb.finalizeUpgrade;
    if (finalize !== undefined) {
        const major = /^v(\d+\.\d+)\.\d+$/.exec(config.crdb.version)?.[1];
        if (major === undefined) {
            problems.push(
                `crdb.finalizeUpgrade: ${finalize} needs a release crdb.version vYY.R.PP to finalize, got ${config.crdb.version}`,
            );
        } else if (major !== finalize) {
            problems.push(
                `crdb.finalizeUpgrade: ${finalize} but crdb.version ${config.crdb.version} is ${major}; ` +
                    `set it to ${major} once every node runs ${config.crdb.version}, or remove it (pulumi config rm --path crdb.finalizeUpgrade)`,
            );
        }
    }
    return problems;
}
