/**
 * The RawKV CDC lab's config: main and recovery clusters, TiKV-CDC, the correctness workload,
 * go-ycsb; its cross-key checks and host ports.
 */
import { z } from "zod";
import { common } from "../../components/config/common";
import { HostPortKey } from "../../components/config/ports";
import { hostPort, intIn, pinnedImage, pinnedTag, volumeGiB } from "../../components/config/primitives";
import { YcsbSettings } from "../tikv/config";

/**
 * When the changefeed replicates, relative to the correctness workload's two rounds of PUTs:
 * `before` (running throughout), `between` (paused during round 1, resumed before round 2),
 * `after` (paused during both rounds, resumed afterwards, so it catches up from its checkpoint).
 */
export const CdcStart = z.enum(["before", "between", "after"], { error: 'expected "before", "between" or "after"' });
/** One of {@link CdcStart}'s values. */
export type CdcStart = z.infer<typeof CdcStart>;

/** What PD operators (pd-ctl `operator add …`) do to the main cluster's regions during the workload. */
export const CdcDisturb = z.enum(["none", "split", "merge", "transfer-leader"], {
    error: 'expected "none", "split", "merge" or "transfer-leader"',
});
/** One of {@link CdcDisturb}'s values. */
export type CdcDisturb = z.infer<typeof CdcDisturb>;

/** A TiKV version tag TiKV-CDC can replicate: v6.2.0 or later (tikv/migration `cdc/README.md`). */
const cdcTikvVersion = pinnedTag.refine(
    (t) => {
        const m = /^v?(\d+)\.(\d+)/.exec(t);
        return !!m && (Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 2));
    },
    { error: "expected a TiKV/PD tag v6.2.0 or later (TiKV-CDC needs API v2)" },
);

/** A CDC-lab cluster's PD (one member): its client URL's host port. */
function cdcPd(clientHostPort: number) {
    return z.strictObject({ clientHostPort: hostPort.default(clientHostPort) }).prefault({});
}

/** A CDC-lab cluster's TiKV settings besides the store count. */
function cdcTikvFields(statusHostPort: number) {
    return {
        statusHostPort: hostPort.default(statusHostPort),
        storageGiB: volumeGiB.default(10),
        allowScaleIn: z.boolean().default(false),
    };
}

/** The main cluster: 1 PD and 1 or 3 TiKV stores (the test plan's cases 1–2 and 3). */
const CdcMainCluster = z
    .strictObject({
        pd: cdcPd(2379),
        tikv: z
            .strictObject({
                stores: z.union([z.literal(1), z.literal(3)], { error: "expected 1 or 3" }).default(1),
                ...cdcTikvFields(20180),
            })
            .prefault({}),
    })
    .prefault({});

/** The recovery cluster: 1 PD and 1 TiKV store, the changefeed's sink. */
const CdcRecoveryCluster = z
    .strictObject({
        pd: cdcPd(2479),
        tikv: z.strictObject({ stores: z.literal(1, { error: "expected 1" }).default(1), ...cdcTikvFields(20280) }).prefault({}),
    })
    .prefault({});

/**
 * TiKV-CDC (github.com/tikv/migration `cdc/`): the capture server and its changefeed.
 * No official image for every version: `image` names one, else `docker/tikv-cdc` builds `ref`.
 */
const CdcSettings = z
    .strictObject({
        /** false: no TiKV-CDC at all (the go-ycsb baseline of the regression comparison). */
        enabled: z.boolean().default(true),
        start: CdcStart.default("before"),
        disturb: CdcDisturb.default("none"),
        image: pinnedImage.optional(),
        /** A tikv/migration git tag to build from. */
        ref: z
            .string()
            .regex(/^[A-Za-z0-9._/-]+$/)
            .default("cdc-v1.1.1"),
        members: intIn(1, 3).default(1),
        hostPort: hostPort.default(8600),
        changefeedId: z
            .string()
            .regex(/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/, { error: "expected a changefeed id such as rawkv-replication" })
            .default("rawkv-replication"),
        /** `tikv-cdc server --gc-ttl`, seconds. */
        gcTtlSeconds: intIn(60, 7 * 86400).default(86400),
        /** How many PD operators the disturbance adds during the workload, one every `disturbIntervalSeconds`. */
        disturbOperators: intIn(1, 1000).default(20),
        disturbIntervalSeconds: intIn(1, 60).default(3),
        /** The RPO objective: alert when the changefeed checkpoint lag stays above this, seconds. */
        lagAlertSeconds: intIn(1, 86_400).default(30),
    })
    .prefault({});

/** The correctness workload: N threads × M keys, v then v+1, then a check on the recovery cluster. */
const CdcWorkloadSettings = z
    .strictObject({
        enabled: z.boolean().default(true),
        image: pinnedImage.optional(),
        threads: intIn(1, 1000).default(400),
        keys: intIn(1, 100_000).default(1000),
        /** v: round 1 writes v, round 2 writes v+1. */
        base: intIn(0, 1_000_000_000).default(1),
        /** A label of this run; a new value re-runs the workload with fresh keys. */
        run: z
            .string()
            .regex(/^[a-z0-9-]{1,20}$/)
            .default("1"),
        /** How long the checker waits for the changefeed checkpoint to pass the writes, seconds. */
        checkTimeoutSeconds: intIn(10, 7200).default(600),
    })
    .prefault({});

/** The RawKV CDC lab: main and recovery TiKV clusters, TiKV-CDC between them, correctness workload, go-ycsb. */
export const CdcLabConfig = z.strictObject({
    lab: z.literal("cdc"),
    ...common,
    /** PD and TiKV tag of both clusters. */
    version: cdcTikvVersion.default("v8.5.1"),
    main: CdcMainCluster,
    recovery: CdcRecoveryCluster,
    cdc: CdcSettings,
    workload: CdcWorkloadSettings,
    /** go-ycsb workloada (raw) against the main cluster, with `cdc.enabled` on or off for the regression comparison. */
    load: YcsbSettings,
});
/** Parsed config of a RawKV CDC lab stack. */
export type CdcLabConfig = z.infer<typeof CdcLabConfig>;

/** Host ports the CDC lab publishes: both clusters' PD and TiKV status, the capture servers. */
export const CDC_HOST_PORTS: HostPortKey[] = [
    { path: "main.pd.clientHostPort" },
    { path: "main.tikv.statusHostPort", members: "main.tikv.stores" },
    { path: "recovery.pd.clientHostPort" },
    { path: "recovery.tikv.statusHostPort", members: "recovery.tikv.stores" },
    { path: "cdc.hostPort", members: "cdc.members", when: ["cdc.enabled"] },
];

/** Kubernetes cannot run an image built on this machine: TiKV-CDC, the workload and go-ycsb need pushed images. */
export function cdcCrossChecks(config: CdcLabConfig): string[] {
    if (config.platform !== "kubernetes") return [];
    const needed: [string, boolean, string | undefined][] = [
        ["cdc.image", config.cdc.enabled, config.cdc.image],
        ["workload.image", config.cdc.enabled && config.workload.enabled, config.workload.image],
        ["load.image", config.load.enabled, config.load.image],
    ];
    return needed
        .filter(([, used, image]) => used && !image)
        .map(([key]) => `${key}: required on kubernetes (build the Dockerfile under docker/ and push it), got nothing`);
}
