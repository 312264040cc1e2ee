/**
 * CockroachDB nodes as a platform-neutral member group (a StatefulSet on Kubernetes, as the
 * official Helm chart does: the operator refuses fewer than 3 nodes — cockroach-operator
 * `apis/v1alpha1/cluster_types.go`).
 *
 * Ports 26257 (SQL + RPC) and 8080 (HTTP: `/health`, `/health?ready=1`, `/_status/vars`);
 * cockroach `pkg/server/server_http.go`. Flags: `start --insecure|--certs-dir --join --advertise-addr
 * --listen-addr --http-addr`, then `cockroach init --host=<first>` once (cockroach
 * `monitoring/demo/docker-compose.yaml`). In secure mode the HTTP port serves HTTPS only
 * (cockroachlabs.com/docs/stable/cockroach-start, `--certs-dir`), so probes and scrapes use HTTPS. Image `cockroachdb/cockroach` (multi-arch manifest;
 * entrypoint `cockroach.sh`, so the command starts with `start`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CRDB_CERTS_DIR, CrdbCertificates } from "./certs";
import { Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { DashboardDefinition } from "../../dashboards/presets";
import { crdbEvolution } from "./dashboards/crdb-evolution";
import { crdbOverview } from "./dashboards/crdb-overview";
import { ChainStep, chainMembers } from "../roll";

/** SQL and inter-node RPC port. */
export const CRDB_SQL_PORT = 26257;
/** HTTP port: DB console, health, metrics. */
export const CRDB_HTTP_PORT = 8080;
/** Join list length: always the first three nodes, whatever the node count, so scaling never changes the pod template. */
export const CRDB_JOIN_NODES = 3;

/** The writer entrypoint's Service name (all nodes). */
export const CRDB_WRITER = "crdb-writer";
/** The legacy read-only entrypoint's Service name (same nodes; read-only through the reader user). */
export const CRDB_READER = "crdb-reader";

/**
 * Where the lab reaches CockroachDB: the writer and reader entrypoints and the first node
 * (where `cockroach init` runs). Known before the nodes exist, so steps registered earlier
 * (init, backups) and the cluster itself share one answer.
 */
export function crdbHosts(platform: Platform): { writer: string; reader: string; firstNode: string } {
    return {
        writer: platform.serviceHost(CRDB_WRITER),
        reader: platform.serviceHost(CRDB_READER),
        firstNode: platform.memberHost("crdb", 0),
    };
}

/** The public entrypoint's Service name in the official Helm chart; the node certificate names it so such a Service needs no new certificate. */
export const CRDB_PUBLIC = "crdb-public";

/**
 * A connection string. Insecure: `postgresql://root@crdb-writer:26257/lab?sslmode=disable`.
 * Secure (`certsDir` given): `sslmode=verify-full` with `sslrootcert=<dir>/ca.crt`,
 * `sslcert=<dir>/client.<user>.crt`, `sslkey=<dir>/client.<user>.key` — libpq's parameters
 * (postgresql.org/docs/current/libpq-connect.html), which `cockroach` and node-postgres read too
 * (cockroachlabs.com/docs/stable/connection-parameters).
 */
export function crdbSqlUrl(user: string, host: string, database = "", certsDir?: string): string {
    const params = certsDir
        ? `sslmode=verify-full&sslrootcert=${certsDir}/ca.crt&sslcert=${certsDir}/client.${user}.crt&sslkey=${certsDir}/client.${user}.key`
        : "sslmode=disable";
    return `postgresql://${user}@${host}:${CRDB_SQL_PORT}${database ? `/${database}` : ""}?${params}`;
}

/** `--insecure`, or `--certs-dir=<dir>` when the cluster is secure: what every `cockroach` command of the lab passes. */
export function crdbSecurityFlag(secure: boolean): string {
    return secure ? `--certs-dir=${CRDB_CERTS_DIR}` : "--insecure";
}

/** Arguments of {@link CrdbCluster}. */
export interface CrdbClusterArgs {
    platform: Platform;
    /** Nodes, 1..9. Changing this only changes the StatefulSet's replicas. */
    nodes: number;
    /** Pinned image reference, e.g. `cockroachdb/cockroach:v24.3.5`. */
    image: string;
    storageGiB: number;
    sqlHostPort: number;
    httpHostPort: number;
    /** The node-count change waits on these (the phase's backup). */
    dependsOn: pulumi.Resource[];
    /** Secure mode: the certificates; nodes mount `node.crt`/`node.key` at `CRDB_CERTS_DIR`. Undefined: `--insecure`. */
    certs?: CrdbCertificates;
    /**
     * A rolling restart to a new spec (Docker: the platform would replace every node at once): each
     * node is a group of one, replaced between the tasks (drain → replace → live on the new build)
     * of labs/crdb/membership.ts `crdbRollingRestart` (labs/roll.ts); `ready` is then the last task.
     */
    roll?: ChainStep[];
}

/** The flags of every node (identical but for its own advertise host). */
export function crdbStartArgs(member: { host: string }, joinHosts: string[], secure = false): string[] {
    return [
        "start",
        crdbSecurityFlag(secure),
        `--join=${joinHosts.map((h) => `${h}:${CRDB_SQL_PORT}`).join(",")}`,
        `--advertise-addr=${member.host}:${CRDB_SQL_PORT}`,
        `--listen-addr=:${CRDB_SQL_PORT}`,
        `--http-addr=:${CRDB_HTTP_PORT}`,
        "--store=/cockroach/cockroach-data",
        "--cache=.25",
        "--max-sql-memory=.25",
        "--logtostderr=INFO",
    ];
}

/** A CockroachDB cluster (`clusterlab:index:CrdbCluster`) with `crdb-writer` and `crdb-reader` entrypoints. */
export class CrdbCluster extends pulumi.ComponentResource {
    public readonly scrapeJobs: ScrapeJob[];
    /** The dashboards that read this cluster's metrics. */
    public readonly dashboards: DashboardDefinition[] = [crdbOverview, crdbEvolution];
    /** DB console URL for a user. */
    public readonly consoleUrl: string;
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: CrdbClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:CrdbCluster", name, {}, opts);
        const { platform } = args;
        const joinHosts = Array.from({ length: CRDB_JOIN_NODES }, (_, i) => platform.memberHost("crdb", i));
        const secure = !!args.certs;
        const scheme = secure ? ("HTTPS" as const) : undefined;
        const nodes = (firstOrdinal: number, replicas: number, dependsOn: pulumi.Resource[]) =>
            platform.deployGroup(
                {
                    name: "crdb",
                    component: "cockroachdb",
                    replicas,
                    firstOrdinal,
                    image: platform.image(args.image),
                    args: (m) => crdbStartArgs(m, joinHosts, secure),
                    ports: [
                        { name: "sql", containerPort: CRDB_SQL_PORT, hostPortBase: args.sqlHostPort },
                        { name: "http", containerPort: CRDB_HTTP_PORT, hostPortBase: args.httpHostPort },
                    ],
                    data: { mountPath: "/cockroach/cockroach-data", sizeGiB: args.storageGiB },
                    // Not ready until `cockroach init` has run. Pulumi awaits the StatefulSet's readiness, so init
                    // must not depend on it (it polls crdb-0 instead) and it must not depend on init.
                    readiness: { http: { port: CRDB_HTTP_PORT, path: "/health?ready=1", scheme }, periodSeconds: 5, failureThreshold: 3 },
                    liveness: {
                        http: { port: CRDB_HTTP_PORT, path: "/health", scheme },
                        periodSeconds: 5,
                        failureThreshold: 6,
                        initialDelaySeconds: 30,
                    },
                    waitHealthy: false,
                    clientServices: [
                        { name: CRDB_WRITER, ports: ["sql", "http"] },
                        { name: CRDB_READER, ports: ["sql"] },
                    ],
                    dependsOn,
                    secretMounts: args.certs ? [args.certs.nodeMount()] : undefined,
                },
                this,
            );
        const group = args.roll
            ? chainMembers(platform, this, args.roll, args.dependsOn, (ordinal, dependsOn) => nodes(ordinal, 1, dependsOn))
            : nodes(0, args.nodes, args.dependsOn);
        this.scrapeJobs = [
            {
                job: "cockroachdb",
                targets: group.members.map((m) => `${m.host}:${CRDB_HTTP_PORT}`),
                metricsPath: "/_status/vars",
                // Prometheus has no copy of the lab's CA yet: TLS without verification (a known gap, README).
                ...(secure ? { scheme: "https" as const, insecureSkipVerify: true } : {}),
            },
        ];
        const console = platform.userUrl(CRDB_WRITER, CRDB_HTTP_PORT, args.httpHostPort);
        this.consoleUrl = secure ? console.replace("http://", "https://") : console;
        this.ready = group.ready;
        this.registerOutputs({ consoleUrl: this.consoleUrl });
    }
}
