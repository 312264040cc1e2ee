/** The RawKV CDC lab: main and recovery TiKV clusters, TiKV-CDC between them, the correctness workload, go-ycsb. */
import { ANYWHERE } from "../../components/guard-rules";
import { defineLab } from "../types";
import { CDC_HOST_PORTS, CdcLabConfig, cdcCrossChecks } from "./config";
import { buildCdcLab } from "./lab";

/** The CDC lab's definition (registered in labs/index.ts). */
export const cdcLab = defineLab({
    name: "cdc",
    schema: CdcLabConfig,
    hostPorts: CDC_HOST_PORTS,
    crossChecks: cdcCrossChecks,
    build: buildCdcLab,
    guard: {
        counts: [
            { path: "main.tikv.stores", removes: "main-cluster stores holding data", allow: "main.tikv.allowScaleIn" },
            // Switching TiKV-CDC off deletes its capture servers (and leaves the changefeed unserved).
            { path: "cdc.members", removes: "TiKV-CDC capture servers", allow: "allowReplace", when: "cdc.enabled" },
        ],
        // Both clusters' members and volumes; the recovery cluster's data must outlive every case switch.
        replacing: [
            ...ANYWHERE,
            { path: "main.tikv.storageGiB", on: "kubernetes" },
            { path: "recovery.tikv.storageGiB", on: "kubernetes" },
            // TiKV-CDC's capture servers: every input of theirs recreates them all at once on Docker.
            { path: "cdc.image", on: "docker" },
            { path: "cdc.ref", on: "docker", unless: "cdc.image" },
            { path: "cdc.hostPort", on: "docker" },
            { path: "cdc.gcTtlSeconds", on: "docker" },
            { path: "version", on: "docker" },
            { path: "arch", on: "docker" },
            { path: "main.pd.clientHostPort", on: "docker" },
            { path: "main.tikv.statusHostPort", on: "docker" },
            { path: "recovery.pd.clientHostPort", on: "docker" },
            { path: "recovery.tikv.statusHostPort", on: "docker" },
        ],
    },
});
