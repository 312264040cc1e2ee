/** The RawKV CDC lab: main and recovery TiKV clusters, TiKV-CDC between them, the correctness workload, go-ycsb. */
import { ModelGroup } from "../types";
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
    groups: (c) => [
        ...(["main", "recovery"] as const).flatMap((role): ModelGroup[] => [
            {
                name: `${role}-pd`,
                members: 1,
                stateful: true,
                fields: { image: { version: c.version }, hostPorts: { [`${role}.pd.clientHostPort`]: c[role].pd.clientHostPort } },
            },
            {
                name: `${role}-tikv`,
                members: c[role].tikv.stores,
                stateful: true,
                scaleIn: {
                    path: `${role}.tikv.stores`,
                    removes: `${role}-cluster stores holding data`,
                    allow: `${role}.tikv.allowScaleIn`,
                },
                fields: {
                    image: { version: c.version },
                    hostPorts: { [`${role}.tikv.statusHostPort`]: c[role].tikv.statusHostPort },
                    volumeSize: { [`${role}.tikv.storageGiB`]: c[role].tikv.storageGiB },
                },
            },
        ]),
        {
            // Switching TiKV-CDC off deletes its capture servers (and leaves the changefeed unserved).
            name: "tikv-cdc",
            members: c.cdc.enabled ? c.cdc.members : 0,
            stateful: true,
            scaleIn: { path: "cdc.members", removes: "TiKV-CDC capture servers", allow: "allowReplace" },
            fields: {
                image: { "cdc.image": c.cdc.image ?? null, "cdc.ref": c.cdc.image ? null : c.cdc.ref },
                spec: { "cdc.gcTtlSeconds": c.cdc.gcTtlSeconds },
                hostPorts: { "cdc.hostPort": c.cdc.hostPort },
            },
        },
    ],
});
