/** The CockroachDB evolution lab: 1 → 2 → 3 nodes through phases 0..2, the sample app, `cockroach workload`. */
import { ANYWHERE } from "../../components/guard-rules";
import { defineLab } from "../types";
import { CRDB_HOST_PORTS, CrdbLabConfig, crdbCrossChecks } from "./config";
import { buildCrdbLab } from "./lab";
import { crdbStepsVersion } from "./steps-version";

/** The CockroachDB lab's definition (registered in labs/index.ts). */
export const crdbLab = defineLab({
    name: "crdb",
    schema: CrdbLabConfig,
    hostPorts: CRDB_HOST_PORTS,
    crossChecks: crdbCrossChecks,
    build: buildCrdbLab,
    guard: {
        counts: [
            { path: "crdb.nodes", removes: "nodes holding data", allow: "crdb.allowScaleIn" },
            {
                path: "phase",
                removes: "the later phases' SQL and backup records and leaves their replication factor",
                allow: "allowReplace",
            },
        ],
        replacing: [
            ...ANYWHERE,
            { path: "crdb.storageGiB", on: "kubernetes" },
            { path: "crdb.version", on: "docker" },
            { path: "arch", on: "docker" },
            { path: "crdb.sqlHostPort", on: "docker" },
            { path: "crdb.httpHostPort", on: "docker" },
            // New certificates are new uploads: every node container is re-created at once.
            { path: "crdb.certValidityHours", on: "docker" },
        ],
        switches: [
            {
                path: "crdb.secure",
                absent: false,
                effect: "restarts every node with new flags (--certs-dir instead of --insecure) and every client must switch to TLS and client certificates",
            },
        ],
    },
    // Backups start after the phase the stack was first deployed at; steps keep their first version.
    guardExtras: (config, previous) => ({
        firstPhase: previous?.firstPhase ?? config.phase,
        stepsVersion: crdbStepsVersion(config, previous),
    }),
});
