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
import { SampleApp } from "../sample-app";
import { Platform } from "../platform";
import { observe } from "./observe";
import { LabContext, LabOutputs } from "./types";

/**
 * Builds the CockroachDB lab on `platform`.
 * @returns outputs: writer/reader connection strings, DB console, phase, replication factor,
 *   Prometheus/Grafana URLs, Grafana password (secret), and `appUrl` (the sample app's live page) when `app.enabled`.
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
    const sqlSteps = steps.applySql(crdb.ready);
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
    // ---- sample app (app.*): writes through crdb-writer, reads through crdb-reader as the
    // read-only user (through the writer until phase 1 creates that user: see components/sample-app.ts).
    const apps: SampleApp[] = [];
    if (config.app.enabled) {
        const app = new SampleApp("sample-app", {
            platform,
            image: config.app.image,
            writerUrl: crdbSqlUrl("root", hosts.writer, DATABASE),
            readerUrl: crdbSqlUrl(READER_USER, hosts.reader, DATABASE),
            hostPort: config.app.hostPort,
            loadOnStart: config.app.loadOnStart,
            loadRps: config.app.loadRps,
            spikeMaxSeconds: config.app.spikeMaxSeconds,
            spikeMaxRps: config.app.spikeMaxRps,
            otlpEndpoint: config.app.otlpEndpoint,
            // After phase 0's SQL (database and schema), whatever the phase: the same dependencies every phase.
            dependsOn: sqlSteps.slice(0, CRDB_PHASES[0].sql.length),
        });
        apps.push(app);
        outputs.appUrl = app.url;
    }
    // ---- end sample app
    Object.assign(
        outputs,
        observe(config, platform, {
            scrapeJobs: [...crdb.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs), ...apps.flatMap((a) => a.scrapeJobs)],
            dashboards: [...crdb.dashboards, ...loads.flatMap((l) => l.dashboards), ...apps.flatMap((a) => a.dashboards)],
        }),
    );
    return outputs;
}
