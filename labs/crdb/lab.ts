/**
 * The CockroachDB evolution lab: 1 → 2 → 3 nodes under continuous `cockroach workload`, each
 * phase a config change. Phases are data (components/crdb-phases.ts).
 */
import { CrdbLabConfig } from "./config";
import {
    APP_UID,
    CRDB_CERTS_DIR,
    CRDB_CLIENT_USERS,
    CRDB_MAX_NODES,
    CrdbCertificates,
    appCertFileMode,
    clientSecretName,
    crdbCertPlan,
} from "./certs";
import { CRDB_PUBLIC, CRDB_READER, CRDB_WRITER, CrdbCluster, crdbHosts, crdbSqlUrl } from "./crdb-cluster";
import { CRDB_PHASES, DATABASE, READER_USER, WRITER_USER } from "./phases";
import { CrdbSteps } from "./sql";
import { crdbStepsVersion } from "./steps-version";
import { crdbDecommissionTask } from "./decommission";
import { crdbFinalizeTask, crdbStepTarget, crdbUpgradeHoldTask } from "./upgrade";
import { crdbRollingRestart } from "./membership";
import { crdbMemberSpec } from "./member-spec";
import { chainSteps, rollRevision } from "../roll";
import { cockroachWorkloadPlan } from "./cockroach-workload";
import { LoadGen } from "../../components/load-gen";
import { SampleApp } from "./sample-app";
import { Platform } from "../../components/platform";
import { LabBuild, LabContext, LabOutputs } from "../types";

/**
 * Builds the CockroachDB lab on `platform`.
 * @returns outputs: writer/reader connection strings, DB console, phase, replication factor,
 *   Prometheus/Grafana URLs, Grafana password (secret), and `appUrl` (the sample app's live page) when `app.enabled`;
 *   in secure mode also `certificates` (the client certificate Secret per SQL user and where the URLs expect each mounted).
 */
export function buildCrdbLab(config: CrdbLabConfig, platform: Platform, { memory, previous }: LabContext): LabBuild {
    const imageRef = `cockroachdb/cockroach:${config.crdb.version}`;
    const hosts = crdbHosts(platform);
    const certs = config.crdb.secure ? crdbCertificates(config, platform) : undefined;
    // The steps' client image stays at the version they were first created with (labs/crdb/steps-version.ts).
    const stepsVersion = crdbStepsVersion(config, memory);
    const steps = new CrdbSteps("crdb-steps", {
        platform,
        image: platform.image(`cockroachdb/cockroach:${stepsVersion}`),
        phase: config.phase,
        firstPhase: typeof memory.firstPhase === "number" ? memory.firstPhase : config.phase,
        certs,
    });
    // Scale-in: the leaving nodes are decommissioned before the node group shrinks (labs/crdb/decommission.ts).
    const deployedNodes = typeof memory["crdb.nodes"] === "number" ? memory["crdb.nodes"] : undefined;
    const decommission =
        deployedNodes !== undefined && deployedNodes > config.crdb.nodes
            ? crdbDecommissionTask(
                  {
                      platform,
                      from: deployedNodes,
                      to: config.crdb.nodes,
                      replicationFactor: CRDB_PHASES[config.phase].replicationFactor,
                      image: platform.image(`cockroachdb/cockroach:${stepsVersion}`),
                      secure: !!certs,
                      secretMounts: certs && [certs.clientMount("root")],
                  },
                  steps,
              )
            : undefined;
    // A major-version bump: auto-upgrade off (and checked) before the roll starts (labs/crdb/upgrade.ts).
    const deployedVersion = typeof memory["crdb.version"] === "string" ? memory["crdb.version"] : undefined;
    const stepsImage = platform.image(`cockroachdb/cockroach:${stepsVersion}`);
    const rootMounts = certs && [certs.clientMount("root")];
    const hold =
        deployedVersion !== undefined
            ? crdbUpgradeHoldTask(
                  {
                      platform,
                      from: deployedVersion,
                      to: config.crdb.version,
                      image: stepsImage,
                      secure: !!certs,
                      secretMounts: rootMounts,
                  },
                  steps,
              )
            : undefined;
    // A spec change on Docker: the nodes are drained and replaced one at a time, after the hold (labs/roll.ts).
    // Not across a crdb.secure switch (allowReplace): the steps would speak the new mode to nodes in the old one,
    // and an insecure node and a secure one cannot form one cluster, so every node restarts at once.
    const secureBefore = memory["crdb.secure"] ?? false;
    const rolling = rollRevision(previous, config.platform, {
        name: "crdb",
        countPath: "crdb.nodes",
        members: config.crdb.nodes,
        spec: crdbMemberSpec(config),
    });
    const roll =
        rolling === undefined || secureBefore !== config.crdb.secure
            ? undefined
            : chainSteps(
                  crdbRollingRestart(crdbStepTarget(platform, !!certs), config.crdb.nodes, config.crdb.version),
                  `crdb-roll-${rolling.slice(0, 8)}`,
                  {
                      component: "cockroachdb-upgrade",
                      image: stepsImage,
                      secretMounts: rootMounts,
                  },
              );
    const crdb = new CrdbCluster("crdb", {
        platform,
        nodes: config.crdb.nodes,
        image: imageRef,
        storageGiB: config.crdb.storageGiB,
        sqlHostPort: config.crdb.sqlHostPort,
        httpHostPort: config.crdb.httpHostPort,
        dependsOn: [...(steps.backup ? [steps.backup] : []), ...(decommission ? [decommission] : []), ...(hold ? [hold] : [])],
        certs,
        roll,
    });
    // Finalization: its own later config step (crdb.finalizeUpgrade), after the nodes and crdb-init.
    if (config.crdb.finalizeUpgrade !== undefined) {
        crdbFinalizeTask(
            {
                platform,
                version: config.crdb.version,
                image: stepsImage,
                secure: !!certs,
                secretMounts: rootMounts,
                dependsOn: [...crdb.ready, steps.init],
            },
            steps,
        );
    }
    const sqlSteps = steps.applySql(crdb.ready);
    const outputs: LabOutputs = {
        phase: config.phase,
        nodes: config.crdb.nodes,
        replicationFactor: CRDB_PHASES[config.phase].replicationFactor,
        writerUrl: crdbSqlUrl("root", hosts.writer, DATABASE, certs && appCertsDir("root")),
        readerUrl: crdbSqlUrl(READER_USER, hosts.reader, DATABASE, certs && appCertsDir(READER_USER)),
        dbConsole: crdb.consoleUrl,
        version: config.crdb.version,
        stepsVersion,
    };
    if (certs) {
        outputs.certificates = Object.fromEntries(
            CRDB_CLIENT_USERS.map((user) => [user, { secret: clientSecretName(user), mountPath: appCertsDir(user) }]),
        );
    }
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("crdb-workload", {
                platform,
                plan: cockroachWorkloadPlan(
                    config.load,
                    crdbSqlUrl("root", hosts.writer, "", certs && CRDB_CERTS_DIR),
                    imageRef,
                    certs && [certs.clientMount("root")],
                ),
                dependsOn: [steps.init],
            }),
        );
    }
    // The sample app (app.*): writes through crdb-writer, reads through crdb-reader as the
    // read-only user (through the writer until phase 1 creates that user: see components/sample-app.ts).
    const apps: SampleApp[] = [];
    if (config.app.enabled) {
        const app = new SampleApp("sample-app", {
            platform,
            image: config.app.image,
            // As the SQL user `writer` (INSERT/SELECT on the app's tables: sql/), never root: no root material reaches the app.
            writerUrl: crdbSqlUrl(WRITER_USER, hosts.writer, DATABASE, certs && appCertsDir(WRITER_USER)),
            readerUrl: outputs.readerUrl as string,
            // Secure mode: the URLs name each user's certificate files under appCertsDir(user).
            secretMounts:
                certs &&
                [WRITER_USER, READER_USER].map((user) => certs.clientMount(user, appCertsDir(user), appCertFileMode(config.platform))),
            fsGroup: APP_UID,
            controlToken: config.app.controlToken,
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
        // `pulumi stack output appControlToken --show-secrets`: the Bearer token of the app's state-changing routes.
        outputs.appControlToken = app.controlToken;
    }
    return {
        outputs,
        monitoring: {
            scrapeJobs: [...crdb.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs), ...apps.flatMap((a) => a.scrapeJobs)],
            dashboards: [...crdb.dashboards, ...loads.flatMap((l) => l.dashboards), ...apps.flatMap((a) => a.dashboards)],
        },
    };
}

/**
 * Where an application mounts a user's client certificate Secret (read-only, mode 0400) for the
 * exported URLs to find its files: `/certs/crdb-client-<user>`, one directory per user, since a
 * pod mounts one volume per path.
 */
export function appCertsDir(user: string): string {
    return `/certs/${clientSecretName(user)}`;
}

/**
 * The lab's certificates: one node certificate valid for every node config allows (a scale-out
 * never re-issues it) and every client service, and a client certificate per SQL user.
 */
function crdbCertificates(config: CrdbLabConfig, platform: Platform): CrdbCertificates {
    const plan = crdbCertPlan({
        memberHosts: Array.from({ length: CRDB_MAX_NODES }, (_, i) => platform.memberHost("crdb", i)),
        services: ["crdb", CRDB_WRITER, CRDB_READER, CRDB_PUBLIC].map((name) => ({ name, host: platform.serviceHost(name) })),
        users: CRDB_CLIENT_USERS,
        leafValidityHours: config.crdb.certValidityHours,
    });
    return new CrdbCertificates("crdb-certs", { platform, plan });
}
