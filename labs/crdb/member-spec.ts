/**
 * What of the CockroachDB lab's config reaches its nodes, by field of the node group: the guard's
 * model of the group (labs/crdb/index.ts) and the digest that tells the builder the nodes' spec
 * changed (a rolling restart on Docker: labs/crdb/lab.ts, labs/crdb/membership.ts `crdbRollingRestart`).
 */
import type { MemberGroupField } from "../../components/platform/effects";
import { substituteImage } from "../../components/images";
import { memberSpecDigest } from "../roll";

/** The official image (`cockroachdb/cockroach`, multi-arch). */
export const CRDB_IMAGE = "cockroachdb/cockroach";

/** The part of the lab's config these read. */
export interface CrdbMemberConfig {
    /** The architecture images are pulled for. */
    arch: string;
    /** Image substitutions (the stack's `images:`). */
    images?: Record<string, string>;
    crdb: { version: string; secure: boolean; certValidityHours: number; sqlHostPort: number; httpHostPort: number; storageGiB: number };
}

/** Config values reaching each field of the nodes, by config path (null: reaches nothing in this config). */
export function crdbMemberFields(c: CrdbMemberConfig): Partial<Record<MemberGroupField, Record<string, unknown>>> {
    return {
        image: { "crdb.version": c.crdb.version },
        // New certificates are new files in every node.
        spec: { "crdb.certValidityHours": c.crdb.secure ? c.crdb.certValidityHours : null },
        hostPorts: { "crdb.sqlHostPort": c.crdb.sqlHostPort, "crdb.httpHostPort": c.crdb.httpHostPort },
        volumeSize: { "crdb.storageGiB": c.crdb.storageGiB },
    };
}

/** The fields the lab rolls itself on Docker, one node at a time (everything but the volume). */
export const CRDB_ROLLED_FIELDS: MemberGroupField[] = ["image", "spec", "hostPorts"];

/** Digest of what reaches every node (labs/roll.ts `memberSpecDigest`). */
export function crdbMemberSpec(c: CrdbMemberConfig): string {
    return memberSpecDigest(
        c.arch,
        substituteImage(`${CRDB_IMAGE}:${c.crdb.version}`, c.images ?? {}),
        crdbMemberFields(c),
        CRDB_ROLLED_FIELDS,
    );
}
