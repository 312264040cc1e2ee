/** The CockroachDB evolution lab: 1 → 2 → 3 nodes through phases 0..2, the sample app, `cockroach workload`. */
import { defineLab } from "../types";
import { CRDB_HOST_PORTS, CrdbLabConfig, crdbCrossChecks } from "./config";
import { buildCrdbLab } from "./lab";

/** The CockroachDB lab's definition (registered in labs/index.ts). */
export const crdbLab = defineLab({
    name: "crdb",
    schema: CrdbLabConfig,
    hostPorts: CRDB_HOST_PORTS,
    crossChecks: crdbCrossChecks,
    build: buildCrdbLab,
    groups: (c) => [
        {
            name: "crdb",
            members: c.crdb.nodes,
            stateful: true,
            scaleIn: { path: "crdb.nodes", removes: "nodes holding data", allow: "crdb.allowScaleIn" },
            fields: {
                image: { "crdb.version": c.crdb.version },
                // New certificates are new files in every node.
                spec: { "crdb.certValidityHours": c.crdb.secure ? c.crdb.certValidityHours : null },
                hostPorts: { "crdb.sqlHostPort": c.crdb.sqlHostPort, "crdb.httpHostPort": c.crdb.httpHostPort },
                volumeSize: { "crdb.storageGiB": c.crdb.storageGiB },
            },
        },
    ],
    // Backups start after the phase the stack was first deployed at.
    remember: (c, previous) => ({
        phase: c.phase,
        "crdb.secure": c.crdb.secure,
        firstPhase: typeof previous.firstPhase === "number" ? previous.firstPhase : c.phase,
    }),
    transitionProblems: (previous, next) => {
        if (next.allowReplace) return [];
        const problems: string[] = [];
        if (typeof previous.phase === "number" && next.phase < previous.phase) {
            problems.push(
                `phase: ${previous.phase} → ${next.phase} removes the later phases' SQL and backup records and leaves their replication factor; set allowReplace: true to allow it`,
            );
        }
        // Deployments recorded before secure mode existed were insecure.
        const secureBefore = previous["crdb.secure"] ?? false;
        if (secureBefore !== next.crdb.secure) {
            problems.push(
                `crdb.secure: ${secureBefore} → ${next.crdb.secure} restarts every node with new flags (--certs-dir instead of --insecure) and every client must switch to TLS and client certificates; set allowReplace: true to allow it`,
            );
        }
        return problems;
    },
});
