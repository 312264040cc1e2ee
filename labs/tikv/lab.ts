/**
 * The TiKV lab: PD + TiKV, Prometheus + Grafana, go-ycsb. Images `pingcap/pd`,
 * `pingcap/tikv` (multi-arch since v6.5: hub.docker.com/r/pingcap/tikv/tags).
 */
import { TikvLabConfig } from "./config";
import { goYcsbPlan } from "./go-ycsb";
import { LoadGen } from "../../components/load-gen";
import { PdCluster } from "./pd-cluster";
import { Platform } from "../../components/platform";
import { TikvCluster } from "./tikv-cluster";
import { PD_CTL_PATH, deployedMembers, pdStepTarget, tikvScaleInTasks } from "./scale-in";
import { LabBuild, LabContext, LabOutputs } from "../types";
import { rollRevision } from "../roll";
import { PD_IMAGE, TIKV_IMAGE, pdMemberSpec, tikvMemberSpec } from "./member-spec";
import { TikvRollArgs, pdRollSteps, tikvRollSteps } from "./roll";

/**
 * Builds the TiKV lab on `platform`.
 * @returns outputs: PD client URLs and endpoints, TiKV store addresses and status URLs,
 *   Prometheus/Grafana URLs and the Grafana admin password (secret).
 */
export function buildTikvLab(config: TikvLabConfig, platform: Platform, { previous }: LabContext): LabBuild {
    const pdImage = `${PD_IMAGE}:${config.version}`;
    const deployed = {
        stores: deployedMembers(previous, config.platform, "tikv", "tikv.stores"),
        pd: deployedMembers(previous, config.platform, "pd", "pd.members"),
    };
    // Scale-in: leaving stores become Tombstone and leaving PD members leave the member list
    // before their groups shrink (labs/tikv/scale-in.ts); the deployed counts are the guard state's.
    const scaleIn = tikvScaleInTasks({
        platform,
        pdImage,
        stores: { from: deployed.stores, to: config.tikv.stores },
        pdMembers: { from: deployed.pd, to: config.pd.members },
        pdBootstrapMembers: config.pd.bootstrapMembers,
    });
    // A spec change on Docker rolls PD, then the stores, one member at a time (labs/tikv/roll.ts).
    const rollArgs = (revision: string): TikvRollArgs => ({
        platform,
        pdImage: platform.image(pdImage),
        pdBootstrapMembers: config.pd.bootstrapMembers,
        revision,
    });
    const pdRoll = rollRevision(previous, config.platform, {
        name: "pd",
        countPath: "pd.members",
        members: config.pd.members,
        spec: pdMemberSpec(config),
    });
    const tikvRoll = rollRevision(previous, config.platform, {
        name: "tikv",
        countPath: "tikv.stores",
        members: config.tikv.stores,
        spec: tikvMemberSpec(config),
    });
    const pd = new PdCluster("pd", {
        platform,
        members: config.pd.members,
        bootstrapMembers: config.pd.bootstrapMembers,
        image: pdImage,
        clientHostPort: config.pd.clientHostPort,
        dependsOn: scaleIn?.pd && [scaleIn.pd],
        roll: pdRoll ? pdRollSteps(rollArgs(pdRoll), config.pd.members) : undefined,
    });
    const tikv = new TikvCluster("tikv", {
        platform,
        stores: config.tikv.stores,
        image: `${TIKV_IMAGE}:${config.version}`,
        pdEndpoints: pd.endpoints,
        statusHostPort: config.tikv.statusHostPort,
        storageGiB: config.tikv.storageGiB,
        memoryLimitMiB: config.tikv.memoryLimitMiB,
        blockCacheMiB: config.tikv.blockCacheMiB,
        dependsOn: [...pd.ready, ...(scaleIn?.stores ? [scaleIn.stores] : [])],
        roll: tikvRoll ? tikvRollSteps(rollArgs(tikvRoll), config.tikv.stores) : undefined,
        // Kubernetes rolls the StatefulSet itself; each store evicts its leaders before its pod stops.
        leaderHandoff:
            config.platform === "kubernetes"
                ? { image: pdImage, pdCtl: PD_CTL_PATH, pdUrl: pdStepTarget(platform, config.pd.bootstrapMembers).pdUrl }
                : undefined,
    });
    const outputs: LabOutputs = {
        pdClientUrls: pd.userClientUrls,
        pdEndpoints: pd.endpoints,
        tikvStoreAddresses: tikv.storeAddresses,
        tikvStatusUrls: tikv.userStatusUrls,
    };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        loads.push(new LoadGen("go-ycsb", { platform, plan: goYcsbPlan(config.load, pd.endpoints), dependsOn: tikv.ready }));
        outputs.loadLogs = platform.taskLogsCommand(`go-ycsb-${config.load.mode}`);
    }
    return {
        outputs,
        monitoring: {
            scrapeJobs: [...pd.scrapeJobs, ...tikv.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs)],
            dashboards: [...pd.dashboards, ...tikv.dashboards, ...loads.flatMap((l) => l.dashboards)],
        },
    };
}
