/**
 * The CockroachDB lab's one-shot steps: `cockroach init` (once, idempotent), each phase's SQL
 * files, and a backup before each phase change. Steps are named by phase and content hash, so
 * a re-run never blocks on an old Job and a changed file runs again.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { BACKUP_SQL, phasesThrough, readSql } from "./crdb-phases";
import { CRDB_SQL_PORT } from "./crdb-cluster";
import { Platform } from "./platform";

/** Short content hash used in step names. */
export function contentHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Step name for a SQL file: `sql-<file stem>-<hash>`, a DNS-1123 label. */
export function sqlStepName(file: string, content: string): string {
    return `sql-${file.replace(/\.sql$/, "").replace(/[^a-z0-9]+/g, "-")}-${contentHash(content)}`;
}

/** Arguments of {@link CrdbSteps}. */
export interface CrdbStepsArgs {
    platform: Platform;
    image: pulumi.Input<string>;
    phase: number;
    database: string;
    /** Where `cockroach init` connects (the first node). */
    firstNodeHost: string;
    /** Where SQL and backups connect (`crdb-writer`). */
    writerHost: string;
}

/**
 * `cockroach init`, backups and SQL (`clusterlab:index:CrdbSteps`). Build it in two halves:
 * the constructor registers init and the backup for the current phase (the node-count change
 * waits on {@link backup}); {@link applySql} registers the SQL once the nodes exist.
 */
export class CrdbSteps extends pulumi.ComponentResource {
    public readonly init: pulumi.Resource;
    /** The backup taken before this phase's node-count change; undefined in phase 0. */
    public readonly backup?: pulumi.Resource;
    private readonly args: CrdbStepsArgs;

    constructor(name: string, args: CrdbStepsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:CrdbSteps", name, {}, opts);
        this.args = args;
        const host = `${args.firstNodeHost}:${CRDB_SQL_PORT}`;
        // Idempotent: a second init fails, so fall back to "is the cluster up"; bounded retries while nodes start.
        this.init = args.platform.runTask(
            {
                name: "crdb-init",
                component: "cockroachdb-init",
                image: args.image,
                command: ["/bin/bash", "-c"],
                args: [
                    `for i in $(seq 1 60); do cockroach init --insecure --host=${host} && exit 0; cockroach node status --insecure --host=${host} >/dev/null 2>&1 && exit 0; sleep 5; done; exit 1`,
                ],
                retries: 3,
            },
            this,
        );
        // Every earlier phase's backup stays registered, unchanged: a record, never re-run.
        const backups = phasesThrough(args.phase)
            .filter((p) => p.backupBefore)
            .map((p) =>
                args.platform.runTask(
                    {
                        name: `backup-before-phase${p.phase}`,
                        component: "cockroachdb-backup",
                        image: args.image,
                        command: ["cockroach"],
                        args: ["sql", "--insecure", `--host=${args.writerHost}:${CRDB_SQL_PORT}`, "--file=/sql/backup.sql"],
                        files: [{ path: "/sql/backup.sql", content: readSql(BACKUP_SQL) }],
                        dependsOn: [this.init],
                    },
                    this,
                ),
            );
        this.backup = backups[backups.length - 1];
        this.registerOutputs({});
    }

    /**
     * Registers every SQL file of phases 0..phase in order, each step after the previous one.
     * @param nodesReady the node group; SQL that raises the replication factor runs after it.
     */
    applySql(nodesReady: pulumi.Resource[]): pulumi.Resource[] {
        const steps: pulumi.Resource[] = [];
        let previous: pulumi.Resource = this.init;
        for (const phase of phasesThrough(this.args.phase)) {
            for (const file of phase.sql) {
                const content = readSql(file);
                const database = file.startsWith("00-") ? [] : [`--database=${this.args.database}`];
                previous = this.args.platform.runTask(
                    {
                        name: sqlStepName(file, content),
                        component: "cockroachdb-sql",
                        image: this.args.image,
                        command: ["cockroach"],
                        args: ["sql", "--insecure", `--host=${this.args.writerHost}:${CRDB_SQL_PORT}`, ...database, `--file=/sql/${file}`],
                        files: [{ path: `/sql/${file}`, content }],
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
