/** The TiKV lab: 3 PD + 3 TiKV by default, Prometheus, Grafana, go-ycsb. */
import { ANYWHERE } from "../../components/guard-rules";
import { defineLab } from "../types";
import { TIKV_HOST_PORTS, TikvLabConfig, tikvCrossChecks } from "./config";
import { buildTikvLab } from "./lab";

/** The TiKV lab's definition (registered in labs/index.ts). */
export const tikvLab = defineLab({
    name: "tikv",
    schema: TikvLabConfig,
    hostPorts: TIKV_HOST_PORTS,
    crossChecks: tikvCrossChecks,
    build: buildTikvLab,
    guard: {
        counts: [
            { path: "pd.members", removes: "PD members holding data", allow: "pd.allowScaleIn" },
            { path: "tikv.stores", removes: "stores holding data", allow: "tikv.allowScaleIn" },
        ],
        replacing: [
            ...ANYWHERE,
            { path: "pd.bootstrapMembers" },
            { path: "tikv.storageGiB", on: "kubernetes" },
            { path: "version", on: "docker" },
            { path: "arch", on: "docker" },
            { path: "pd.clientHostPort", on: "docker" },
            { path: "tikv.statusHostPort", on: "docker" },
            { path: "tikv.memoryLimitMiB", on: "docker" },
            { path: "tikv.blockCacheMiB", on: "docker" },
        ],
    },
});
