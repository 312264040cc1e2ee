/**
 * What of the TiKV lab's config reaches its PD members and its TiKV stores, by field of each
 * member group: the guard's model of the groups (labs/tikv/index.ts) and the digests that tell the
 * builder a group's spec changed (a rolling restart on Docker: labs/tikv/roll.ts).
 */
import type { MemberGroupField } from "../../components/platform/effects";
import { substituteImage } from "../../components/images";
import { memberSpecDigest } from "../roll";

/** The PD image (`ENTRYPOINT /pd-server`, with `/pd-ctl`: labs/tikv/scale-in.ts). */
export const PD_IMAGE = "pingcap/pd";
/** The TiKV image (`ENTRYPOINT /tikv-server`). */
export const TIKV_IMAGE = "pingcap/tikv";

/** The part of the TiKV lab's config these read. */
export interface TikvMemberConfig {
    /** The architecture images are pulled for: another one is another image ID in every member. */
    arch: string;
    /** Image substitutions (the stack's `images:`). */
    images?: Record<string, string>;
    /** PD and TiKV version, e.g. `v8.5.1`. */
    version: string;
    pd: { clientHostPort: number };
    tikv: { memoryLimitMiB?: number; blockCacheMiB?: number; statusHostPort: number; storageGiB: number };
}

type Fields = Partial<Record<MemberGroupField, Record<string, unknown>>>;

/** Config values reaching each field of the PD members, by config path. */
export function pdMemberFields(c: TikvMemberConfig): Fields {
    return { image: { version: c.version }, hostPorts: { "pd.clientHostPort": c.pd.clientHostPort } };
}

/** Config values reaching each field of the TiKV stores, by config path (null: reaches nothing in this config). */
export function tikvMemberFields(c: TikvMemberConfig): Fields {
    return {
        image: { version: c.version },
        spec: { "tikv.memoryLimitMiB": c.tikv.memoryLimitMiB ?? null, "tikv.blockCacheMiB": c.tikv.blockCacheMiB ?? null },
        hostPorts: { "tikv.statusHostPort": c.tikv.statusHostPort },
        volumeSize: { "tikv.storageGiB": c.tikv.storageGiB },
    };
}

/** The fields the lab rolls itself on Docker, one member at a time (everything but the volume). */
export const TIKV_ROLLED_FIELDS: MemberGroupField[] = ["image", "spec", "hostPorts"];

/** Digest of what reaches every PD member (labs/roll.ts `memberSpecDigest`). */
export function pdMemberSpec(c: TikvMemberConfig): string {
    return memberSpecDigest(c.arch, substituteImage(`${PD_IMAGE}:${c.version}`, c.images ?? {}), pdMemberFields(c), TIKV_ROLLED_FIELDS);
}

/** Digest of what reaches every TiKV store (labs/roll.ts `memberSpecDigest`). */
export function tikvMemberSpec(c: TikvMemberConfig): string {
    return memberSpecDigest(c.arch, substituteImage(`${TIKV_IMAGE}:${c.version}`, c.images ?? {}), tikvMemberFields(c), TIKV_ROLLED_FIELDS);
}
