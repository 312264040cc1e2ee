/**
 * The TiKV lab: PD + TiKV, Prometheus + Grafana, go-ycsb. Images `pingcap/pd`,
 * `pingcap/tikv` (multi-arch since v6.5; FACTS.md "Images").
 */
import * as pulumi from "@pulumi/pulumi";
import { TikvLabConfig } from "../config";
import { goYcsbPlan } from "../load/go-ycsb";
import { LoadGen } from "../load-gen";
import { PdCluster } from "../pd-cluster";
import { Platform } from "../platform";
import { TikvCluster } from "../tikv-cluster";
import { observe } from "./observe";
import { LabOutputs } from "./types";

/**
 * Builds the TiKV lab on `platform`.
 * @returns outputs: PD client URLs and endpoints, TiKV store addresses and status URLs,
 *   Prometheus/Grafana URLs and the Grafana admin password (secret).
 */
export function buildTikvLab(config: TikvLabConfig, platform: Platform & pulumi.Resource, stack: string): LabOutputs {
    void stack;
    const pd = new PdCluster("pd", {
        platform,
        members: config.pd.members,
        bootstrapMembers: config.pd.bootstrapMembers,
        image: `pingcap/pd:${config.version}`,
        clientHostPort: config.pd.clientHostPort,
    });
    const tikv = new TikvCluster("tikv", {
        platform,
        stores: config.tikv.stores,
        image: `pingcap/tikv:${config.version}`,
        pdEndpoints: pd.endpoints,
        statusHostPort: config.tikv.statusHostPort,
        storageGiB: config.tikv.storageGiB,
        dependsOn: pd.ready,
    });
    const outputs: LabOutputs = {
        pdClientUrls: pd.userClientUrls,
        pdEndpoints: pd.endpoints,
        tikvStoreAddresses: tikv.storeAddresses,
        tikvStatusUrls: tikv.userStatusUrls,
    };
    const loads: LoadGen[] = [];
    if (config.load.enabled) {
        const image = config.load.image
            ? platform.image(config.load.image)
            : platform.buildImage(
                  {
                      name: "go-ycsb",
                      context: "docker/go-ycsb",
                      tag: config.load.goYcsbRef,
                      buildArgs: { GO_YCSB_REF: config.load.goYcsbRef },
                  },
                  platform,
              );
        loads.push(new LoadGen("go-ycsb", { platform, plan: goYcsbPlan(config.load, pd.endpoints, image), dependsOn: tikv.ready }));
        outputs.loadLogs = platform.taskLogsCommand(`go-ycsb-${config.load.mode}`);
    }
    Object.assign(
        outputs,
        observe(config, platform, {
            scrapeJobs: [...pd.scrapeJobs, ...tikv.scrapeJobs, ...loads.flatMap((l) => l.scrapeJobs)],
            dashboards: [...tikv.dashboards, ...loads.flatMap((l) => l.dashboards)],
        }),
    );
    return outputs;
}
