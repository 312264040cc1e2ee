/**
 * The CockroachDB lab's one-shot steps: `cockroach init` (once, idempotent), a backup before
 * each phase change of a deployed cluster (`backup-before-phase<N>`), and each phase's SQL
 * files (`sql-<file>-<content hash>`, so a changed file runs again and a re-run never blocks on
 * an old Job). Every step retries inside a bounded shell loop, the same on both platforms.
 */
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SQL, DATABASE, backupPhases, phasesThrough, readSql } from "./phases";
import { CrdbCertificates } from "./certs";
import { CRDB_SQL_PORT, crdbHosts, crdbSecurityFlag } from "./crdb-cluster";
import { Platform, SecretMount, contentHash } from "../../components/platform";

/** Attempts and pause of every step's retry loop: 60 × 5 s = 5 minutes at most. */
export const STEP_ATTEMPTS = 60;
const STEP_PAUSE_SECONDS = 5;

/** Step name for a SQL file: `sql-<file stem>-<hash>`, a DNS-1123 label. */
export function sqlStepName(file: string, content: string): string {
    return `sql-${file.replace(/\.sql$/, "").replace(/[^a-z0-9]+/g, "-")}-${contentHash(content)}`;
}

/** `bash -c` script that retries `command` (bounded), succeeding when it or `alreadyDone` does. */
export function retryScript(command: string, alreadyDone?: string): string {
    const done = alreadyDone ? `; ${alreadyDone} >/dev/null 2>&1 && exit 0` : "";
    return `for i in $(seq 1 ${STEP_ATTEMPTS}); do ${command} && exit 0${done}; sleep ${STEP_PAUSE_SECONDS}; done; exit 1`;
}

/** Arguments of {@link CrdbSteps}. */
export interface CrdbStepsArgs {
    platform: Platform;
    image: pulumi.Input<string>;
    phase: number;
    /** The phase the stack was first deployed at (GuardState.firstPhase); backups start after it. */
    firstPhase: number;
    /** Secure mode: every step connects as `root` with its client certificate (`--certs-dir`). Undefined: `--insecure`. */
    certs?: CrdbCertificates;
}

/**
 * `cockroach init`, backups and SQL (`clusterlab:index:CrdbSteps`). Built in two halves: the
 * constructor registers init and the backups (the node-count change waits on {@link backup});
 * {@link applySql} registers the SQL once the nodes exist.
 */
export class CrdbSteps extends pulumi.ComponentResource {
    public readonly init: pulumi.Resource;
    /** The backup before this phase's node-count change; undefined when there is no earlier cluster. */
    public readonly backup?: pulumi.Resource;
    private readonly args: CrdbStepsArgs;
    /** `host:port` of the writer entrypoint, where SQL and backups connect. */
    private readonly writer: string;
    /** `--insecure` or `--certs-dir=…`. */
    private readonly security: string;
    /** The root client certs directory in secure mode. */
    private readonly secretMounts?: SecretMount[];

    constructor(name: string, args: CrdbStepsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:CrdbSteps", name, {}, opts);
        this.args = args;
        const hosts = crdbHosts(args.platform);
        this.writer = `${hosts.writer}:${CRDB_SQL_PORT}`;
        this.security = crdbSecurityFlag(!!args.certs);
        this.secretMounts = args.certs ? [args.certs.clientMount("root")] : undefined;
        const { security, secretMounts } = this;
        const host = `${hosts.firstNode}:${CRDB_SQL_PORT}`;
        // Depends on nothing: it polls the first node, which the StatefulSet creates in parallel.
        // A second init fails, so "the cluster answers" also counts as done.
        this.init = args.platform.runTask(
            {
                name: "crdb-init",
                component: "cockroachdb-init",
                image: args.image,
                command: ["/bin/bash", "-c"],
                args: [retryScript(`cockroach init ${security} --host=${host}`, `cockroach node status ${security} --host=${host}`)],
                waitForCompletion: true,
                secretMounts,
            },
            this,
        );
        // Earlier phases' backups stay registered, unchanged: a record, never re-run.
        const backups = backupPhases(args.firstPhase, args.phase).map((p) =>
            args.platform.runTask(
                {
                    name: `backup-before-phase${p.phase}`,
                    component: "cockroachdb-backup",
                    image: args.image,
                    command: ["/bin/bash", "-c"],
                    args: [retryScript(`cockroach sql ${security} --host=${this.writer} --file=/sql/backup.sql`)],
                    files: [{ path: "/sql/backup.sql", content: readSql(BACKUP_SQL) }],
                    waitForCompletion: true,
                    secretMounts,
                    dependsOn: [this.init],
                },
                this,
            ),
        );
        this.backup = backups.find((_, i) => backupPhases(args.firstPhase, args.phase)[i].phase === args.phase);
        this.registerOutputs({});
    }

    /**
     * Registers every SQL file of phases 0..phase in order, each step after the previous one.
     * @param nodesReady the node group; a phase's SQL (which raises the replication factor) runs after it.
     */
    applySql(nodesReady: pulumi.Resource[]): pulumi.Resource[] {
        const steps: pulumi.Resource[] = [];
        let previous: pulumi.Resource = this.init;
        for (const phase of phasesThrough(this.args.phase)) {
            for (const file of phase.sql) {
                const content = readSql(file);
                const database = file.startsWith("00-") ? "" : ` --database=${DATABASE}`;
                previous = this.args.platform.runTask(
                    {
                        name: sqlStepName(file, content),
                        component: "cockroachdb-sql",
                        image: this.args.image,
                        command: ["/bin/bash", "-c"],
                        args: [retryScript(`cockroach sql ${this.security} --host=${this.writer}${database} --file=/sql/${file}`)],
                        files: [{ path: `/sql/${file}`, content }],
                        waitForCompletion: true,
                        secretMounts: this.secretMounts,
                        dependsOn: [previous, ...(phase.phase > 0 ? nodesReady : [])],
                    },
                    this,
                );
                steps.push(previous);
            }
        }
        return steps;
    }
}
