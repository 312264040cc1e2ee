/**
 * What of the etcd lab's config reaches its members, by field of the member group: the guard's
 * model of the group (labs/etcd/index.ts) and the digest that tells the builder a member's spec
 * changed (a rolling restart on Docker: labs/etcd/membership-tasks.ts `etcdRollSteps`).
 */
import type { MemberGroupField } from "../../components/platform/effects";
import { substituteImage } from "../../components/images";
import { memberSpecDigest } from "../roll";

/** The official etcd image (etcd.io/docs/v3.5/op-guide/container/). */
export const ETCD_IMAGE = "gcr.io/etcd-development/etcd";

/** The part of the etcd lab's config these read. */
export interface EtcdMemberConfig {
    /** The architecture images are pulled for: another one is another image ID in every member. */
    arch: string;
    /** Image substitutions (the stack's `images:`): a new one for the etcd image reaches every member. */
    images?: Record<string, string>;
    etcd: {
        version: string;
        failpointImage?: string;
        failpointPort: number;
        quotaBackendBytes: number;
        clientHostPort: number;
        storageGiB: number;
    };
}

/** Config values reaching each field of the members, by config path (null: reaches nothing in this config). */
export function etcdMemberFields(c: EtcdMemberConfig): Partial<Record<MemberGroupField, Record<string, unknown>>> {
    return {
        // A failpoint build replaces the official image, version and all.
        image: {
            "etcd.version": c.etcd.failpointImage ? null : c.etcd.version,
            "etcd.failpointImage": c.etcd.failpointImage ?? null,
        },
        // GOFAIL_HTTP is in every member's env only with a failpoint build.
        spec: {
            "etcd.failpointPort": c.etcd.failpointImage ? c.etcd.failpointPort : null,
            "etcd.quotaBackendBytes": c.etcd.quotaBackendBytes,
        },
        hostPorts: { "etcd.clientHostPort": c.etcd.clientHostPort },
        volumeSize: { "etcd.storageGiB": c.etcd.storageGiB },
    };
}

/** The fields the lab rolls itself, one member at a time, when they change (everything but the volume). */
export const ETCD_ROLLED_FIELDS: MemberGroupField[] = ["image", "spec", "hostPorts"];

/**
 * A digest (16 hex) of what reaches every member's container: {@link ETCD_ROLLED_FIELDS}' values
 * the architecture the platform pulls the image for (its `placement` of the image field) and the
 * image reference after the stack's substitutions.
 */
export function etcdMemberSpec(c: EtcdMemberConfig): string {
    const fields = etcdMemberFields(c);
    const image = substituteImage(c.etcd.failpointImage ?? `${ETCD_IMAGE}:${c.etcd.version}`, c.images ?? {});
    return memberSpecDigest(c.arch, image, fields, ETCD_ROLLED_FIELDS);
}
