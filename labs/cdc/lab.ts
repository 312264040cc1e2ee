/**
 * The RawKV CDC lab: a main and a recovery TiKV cluster (PD + TiKV each, API v2 with TTL),
 * TiKV-CDC replicating the main cluster into the recovery cluster, the correctness workload
 * and checker for the configured case, go-ycsb for the regression comparison, and the
 * replication dashboard and alerts. Images `pingcap/pd`, `pingcap/tikv` (multi-arch since
 * v6.5); TiKV-CDC and the workload are built from `docker/` unless config names images.
 */
import { CdcLabConfig } from "./config";
import { CDC_RULES_PATH, cdcAlertRules } from "./alerts";
import { runIdentity } from "./case";
import { CdcCaseRun } from "./case-run";
import { TikvCdc } from "./tikv-cdc";
import { apiV2TikvToml } from "./tikv-config";
import { goYcsbPlan } from "../tikv/go-ycsb";
import { LoadGen } from "../../components/load-gen";
import { PD_CLIENT_PORT, PdCluster } from "../tikv/pd-cluster";
import { PD_CTL_PATH } from "../tikv/scale-in";
import { Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { TikvCluster } from "../tikv/tikv-cluster";
import { tikvLoad } from "../tikv/dashboards/tikv-load";
import { LabBuild, LabOutputs } from "../types";
import { imageSource } from "../../components/images";

/** The two clusters; each role prefixes its groups (`main-pd-0`, `recovery-tikv-0`) and labels its scrape targets `cluster=<role>`. */
const ROLES = ["main", "recovery"] as const;

/**
 * Builds the CDC lab on `platform`.
 * @returns outputs: both clusters' PD URLs and store addresses, TiKV-CDC API URLs, the
 *   changefeed id and sink URI, the case and run id, the command that shows the checker's
 *   verdict, Prometheus/Grafana URLs and the Grafana password (secret).
 */
export function buildCdcLab(config: CdcLabConfig, platform: Platform): LabBuild {
    const pdImage = `pingcap/pd:${config.version}`;
    const tikvToml = apiV2TikvToml();
    const clusters = ROLES.map((role) => {
        const c = config[role];
        const pd = new PdCluster(`${role}-pd`, {
            platform,
            members: 1,
            bootstrapMembers: 1,
            image: pdImage,
            clientHostPort: c.pd.clientHostPort,
            group: `${role}-pd`,
        });
        const tikv = new TikvCluster(`${role}-tikv`, {
            platform,
            stores: c.tikv.stores,
            image: `pingcap/tikv:${config.version}`,
            pdEndpoints: pd.endpoints,
            statusHostPort: c.tikv.statusHostPort,
            storageGiB: c.tikv.storageGiB,
            dependsOn: pd.ready,
            group: `${role}-tikv`,
            configToml: tikvToml,
            // Each store evicts its leaders before its pod stops (labs/tikv/leader-handoff.ts); PD member 0 stays.
            leaderHandoff:
                config.platform === "kubernetes"
                    ? { image: pdImage, pdCtl: PD_CTL_PATH, pdUrl: `http://${platform.memberHost(`${role}-pd`, 0)}:${PD_CLIENT_PORT}` }
                    : undefined,
        });
        const scrapeJobs: ScrapeJob[] = [...pd.scrapeJobs, ...tikv.scrapeJobs].map((j) => ({
            ...j,
            labels: { ...j.labels, cluster: role },
        }));
        return { role, pd, tikv, scrapeJobs };
    });
    const [main, recovery] = clusters;
    const outputs: LabOutputs = {
        mainPdClientUrls: main.pd.userClientUrls,
        mainTikvStoreAddresses: main.tikv.storeAddresses,
        recoveryPdClientUrls: recovery.pd.userClientUrls,
        recoveryTikvStoreAddresses: recovery.tikv.storeAddresses,
        cdcEnabled: config.cdc.enabled,
    };
    const scrapeJobs = clusters.flatMap((c) => c.scrapeJobs);
    // go-ycsb's dashboard is provisioned whether or not the load runs, so switching the
    // benchmark on or off never rewrites Grafana's provisioning.
    const dashboards = [...main.pd.dashboards, ...main.tikv.dashboards, tikvLoad];
    const ruleFiles: Record<string, string> = {};

    if (config.cdc.enabled) {
        const ref = config.cdc.ref;
        const cdc = new TikvCdc("tikv-cdc", {
            platform,
            members: config.cdc.members,
            image: imageSource(config.cdc.image, {
                name: "tikv-cdc",
                context: "docker/tikv-cdc",
                tag: ref.replace(/\//g, "-"),
                buildArgs: { TIKV_MIGRATION_REF: ref },
            }),
            upstreamPdEndpoints: main.pd.endpoints,
            downstreamPdEndpoints: recovery.pd.endpoints,
            changefeedId: config.cdc.changefeedId,
            gcTtlSeconds: config.cdc.gcTtlSeconds,
            hostPort: config.cdc.hostPort,
            dependsOn: [...main.tikv.ready, ...recovery.tikv.ready],
        });
        scrapeJobs.push(...cdc.scrapeJobs);
        dashboards.push(...cdc.dashboards);
        ruleFiles[CDC_RULES_PATH] = cdcAlertRules(config.cdc.lagAlertSeconds);
        Object.assign(outputs, {
            cdcApiUrls: cdc.userUrls,
            cdcChangefeedId: cdc.changefeedId,
            cdcSinkUri: cdc.sinkUri,
        });
        if (config.workload.enabled) {
            const run = runIdentity(config);
            const caseRun = new CdcCaseRun("case", {
                platform,
                config,
                cdc,
                run,
                pdImage: platform.image(pdImage),
                mainPdUrl: main.pd.clientUrls[0],
                targets: {
                    mainPd: main.pd.endpoints,
                    recoveryPd: recovery.pd.endpoints,
                    cdcApi: cdc.apiUrl,
                    changefeedId: cdc.changefeedId,
                },
            });
            scrapeJobs.push(...caseRun.scrapeJobs);
            Object.assign(outputs, {
                cdcCase: `start=${config.cdc.start} disturb=${config.cdc.disturb} mainStores=${config.main.tikv.stores}`,
                cdcRun: run.id,
                cdcSteps: caseRun.stepTasks,
                cdcVerdict: platform.taskLogsCommand(caseRun.checkTask),
            });
        }
    }
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(
            new LoadGen("go-ycsb", {
                platform,
                plan: goYcsbPlan(config.load, main.pd.endpoints, { apiVersion: "V2" }),
                dependsOn: main.tikv.ready,
            }),
        );
        outputs.loadLogs = platform.taskLogsCommand(`go-ycsb-${config.load.mode}`);
    }
    return {
        outputs,
        monitoring: {
            scrapeJobs: [...scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs)],
            dashboards: [...new Map([...dashboards, ...loads.flatMap((l) => l.dashboards)].map((d) => [d.uid, d])).values()],
            ruleFiles,
        },
    };
}
