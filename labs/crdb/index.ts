/** The CockroachDB evolution lab: 1 → 2 → 3 nodes through phases 0..2, the sample app, `cockroach workload`. */
import { defineLab } from "../types";
import { CRDB_HOST_PORTS, CrdbLabConfig, crdbCrossChecks } from "./config";
import { buildCrdbLab } from "./lab";
import { CRDB_PHASES } from "./phases";
import { crdbStepsVersion } from "./steps-version";
import { crdbTransitionProblems } from "./transitions";
import { CRDB_ROLLED_FIELDS, crdbMemberFields, crdbMemberSpec } from "./member-spec";

/** The replication factor phase `phase` sets (phases are validated against CRDB_PHASES). */
function replicationFactorOf(phase: number): number {
    return CRDB_PHASES.find((p) => p.phase === phase)?.replicationFactor ?? 1;
}

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
            fields: crdbMemberFields(c),
            // On Docker the lab drains and replaces nodes one at a time (labs/crdb/lab.ts); Kubernetes rolls the StatefulSet.
            rolls: { fields: CRDB_ROLLED_FIELDS, spec: crdbMemberSpec(c) },
        },
    ],
    // Backups start after the phase the stack was first deployed at; steps keep their first version.
    remember: (c, previous) => ({
        phase: c.phase,
        "crdb.secure": c.crdb.secure,
        "crdb.nodes": c.crdb.nodes,
        "crdb.version": c.crdb.version,
        firstPhase: typeof previous.firstPhase === "number" ? previous.firstPhase : c.phase,
        stepsVersion: crdbStepsVersion(c, previous),
    }),
    transitionProblems: (previous, next) => {
        // Membership preconditions hold whatever the flags: they protect quorum, not resources.
        const membership = crdbTransitionProblems(
            {
                nodes: typeof previous["crdb.nodes"] === "number" ? previous["crdb.nodes"] : undefined,
                version: typeof previous["crdb.version"] === "string" ? previous["crdb.version"] : undefined,
            },
            next,
            replicationFactorOf(next.phase),
        );
        if (next.allowReplace) return membership;
        const problems: string[] = [...membership];
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
