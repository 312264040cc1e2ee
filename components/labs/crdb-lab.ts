/**
 * The CockroachDB evolution lab: 1 → 2 → 3 nodes under continuous `cockroach workload`, each
 * phase a config change. Phases are data (components/crdb-phases.ts).
 */
import { CrdbLabConfig } from "../config";
import { CrdbCluster, crdbHosts, crdbSqlUrl } from "../crdb-cluster";
import { CRDB_PHASES, DATABASE, READER_USER } from "../crdb-phases";
import { CrdbSteps } from "../crdb-sql";
import { cockroachWorkloadPlan } from "../load/cockroach-workload";
import { LoadGen } from "../load-gen";
import { Platform } from "../platform";
import { observe } from "./observe";
import { LabContext, LabOutputs } from "./types";

/**
 * Builds the CockroachDB lab on `platform`.
 * @returns outputs: writer/reader connection strings, DB console, phase, replication factor,
 *   Prometheus/Grafana URLs, Grafana password (secret).
 */
export function buildCrdbLab(config: CrdbLabConfig, platform: Platform, { previous }: LabContext): LabOutputs {
    const imageRef = `cockroachdb/cockroach:${config.crdb.version}`;
    const hosts = crdbHosts(platform);
    const steps = new CrdbSteps("crdb-steps", {
        platform,
        image: platform.image(imageRef),
        phase: config.phase,
        firstPhase: previous?.firstPhase ?? config.phase,
    });
    const crdb = new CrdbCluster("crdb", {
        platform,
        nodes: config.crdb.nodes,
        image: imageRef,
        storageGiB: config.crdb.storageGiB,
        sqlHostPort: config.crdb.sqlHostPort,
        httpHostPort: config.crdb.httpHostPort,
        dependsOn: steps.backup ? [steps.backup] : [],
    });
    steps.applySql(crdb.ready);
    const outputs: LabOutputs = {
        phase: config.phase,
        nodes: config.crdb.nodes,
        replicationFactor: CRDB_PHASES[config.phase].replicationFactor,
        writerUrl: crdbSqlUrl("root", hosts.writer, DATABASE),
        readerUrl: crdbSqlUrl(READER_USER, hosts.reader, DATABASE),
        dbConsole: crdb.consoleUrl,
    };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("crdb-workload", {
                platform,
                plan: cockroachWorkloadPlan(config.load, crdbSqlUrl("root", hosts.writer), imageRef),
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
