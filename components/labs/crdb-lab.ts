/**
 * The CockroachDB evolution lab: 1 → 2 → 3 nodes under continuous `cockroach workload`, each
 * phase a config change. Phases are data (components/crdb-phases.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { CrdbLabConfig } from "../config";
import { CRDB_SQL_PORT, CrdbCluster } from "../crdb-cluster";
import { CRDB_PHASES, DATABASE, READER_USER } from "../crdb-phases";
import { GuardState } from "../guard";
import { CrdbSteps } from "../crdb-sql";
import { cockroachWorkloadPlan } from "../load/cockroach-workload";
import { LoadGen } from "../load-gen";
import { Platform } from "../platform";
import { observe } from "./observe";
import { LabOutputs } from "./types";

/**
 * Builds the CockroachDB lab on `platform`.
 * @returns outputs: writer/reader connection strings, DB console, phase, replication factor,
 *   Prometheus/Grafana URLs, Grafana password (secret).
 */
export function buildCrdbLab(
    config: CrdbLabConfig,
    platform: Platform & pulumi.Resource,
    stack: string,
    previous?: GuardState,
): LabOutputs {
    void stack;
    const image = platform.image(`cockroachdb/cockroach:${config.crdb.version}`);
    const writerHost = platform.serviceHost("crdb-writer");
    const steps = new CrdbSteps("crdb-steps", {
        platform,
        image,
        phase: config.phase,
        firstPhase: previous?.firstPhase ?? config.phase,
        firstNodeHost: platform.memberHost("crdb", 0),
        writerHost,
    });
    const crdb = new CrdbCluster("crdb", {
        platform,
        nodes: config.crdb.nodes,
        image: `cockroachdb/cockroach:${config.crdb.version}`,
        storageGiB: config.crdb.storageGiB,
        sqlHostPort: config.crdb.sqlHostPort,
        httpHostPort: config.crdb.httpHostPort,
        dependsOn: steps.backup ? [steps.backup] : [],
    });
    steps.applySql(crdb.ready);
    const writerUrl = `postgresql://root@${crdb.writerHost}:${CRDB_SQL_PORT}/${DATABASE}?sslmode=disable`;
    const outputs: LabOutputs = {
        phase: config.phase,
        nodes: config.crdb.nodes,
        replicationFactor: CRDB_PHASES[config.phase].replicationFactor,
        writerUrl,
        readerUrl: `postgresql://${READER_USER}@${crdb.readerHost}:${CRDB_SQL_PORT}/${DATABASE}?sslmode=disable`,
        dbConsole: crdb.consoleUrl,
    };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("crdb-workload", {
                platform,
                plan: cockroachWorkloadPlan(config.load, `postgresql://root@${writerHost}:${CRDB_SQL_PORT}?sslmode=disable`, image),
                dependsOn: [steps.init],
            }),
        );
    }
    Object.assign(
        outputs,
        observe(config, platform, {
            scrapeJobs: [...crdb.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs)],
            dashboards: [...crdb.dashboards, ...loads.flatMap((l) => l.dashboards)],
        }),
    );
    return outputs;
}
