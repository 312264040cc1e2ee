/**
 * Which CockroachDB version the lab's one-shot steps (`crdb-init`, `backup-before-phase<N>`,
 * `sql-*`) run with. A Kubernetes Job's pod template is immutable (kubernetes
 * `pkg/apis/batch/validation`: "field is immutable"), so a new image replaces the Job — deleted
 * and created again, which runs it again; a Docker one-shot container is replaced the same way
 * (pulumi-docker: `image` forces a new container). If the steps followed `crdb.version`, a version
 * bump would re-run every completed step, past phases' backups included. So the steps stay at the
 * version they were first created with, carried forward in the lab's memory (`stepsVersion`, in the guard output) and
 * shown in the stack outputs. The `cockroach` client of a patch or adjacent major version speaks
 * to the upgraded nodes (cockroachlabs.com/docs/stable/cockroach-commands: client commands work
 * against any node of a cluster within the supported upgrade path).
 */
import type { LabMemory } from "../types";

/**
 * The steps' version: the one the last deployment remembered (`stepsVersion`); for a deployment
 * remembered before that key existed, the `crdb.version` it ran (older guard states record it
 * under `replacing`, which the guard reads back as memory); for a new stack, `crdb.version`.
 * @param previous the lab's memory of the deployment ({} for a new stack).
 */
export function crdbStepsVersion(config: { crdb: { version: string } }, previous: LabMemory): string {
    const recorded = previous.stepsVersion;
    const deployed = previous["crdb.version"];
    return typeof recorded === "string" ? recorded : typeof deployed === "string" ? deployed : config.crdb.version;
}
