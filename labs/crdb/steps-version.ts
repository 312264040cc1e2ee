/**
 * Which CockroachDB version the lab's one-shot steps (`crdb-init`, `backup-before-phase<N>`,
 * `sql-*`) run with. A Kubernetes Job's pod template is immutable (kubernetes
 * `pkg/apis/batch/validation`: "field is immutable"), so a new image replaces the Job — deleted
 * and created again, which runs it again; a Docker one-shot container is replaced the same way
 * (pulumi-docker: `image` forces a new container). If the steps followed `crdb.version`, a version
 * bump would re-run every completed step, past phases' backups included. So the steps stay at the
 * version they were first created with, carried forward in the guard state (`stepsVersion`) and
 * shown in the stack outputs. The `cockroach` client of a patch or adjacent major version speaks
 * to the upgraded nodes (cockroachlabs.com/docs/stable/cockroach-commands: client commands work
 * against any node of a cluster within the supported upgrade path).
 */
import type { GuardState } from "../../components/guard";

/**
 * The steps' version: the one recorded by the last deployment (`stepsVersion`); for a deployment
 * recorded before that field existed, the `crdb.version` it ran (its guard state records it under
 * `replacing`); for a new stack, `crdb.version`.
 */
export function crdbStepsVersion(config: { crdb: { version: string } }, previous?: GuardState): string {
    const deployed = previous?.replacing?.["crdb.version"];
    return previous?.stepsVersion ?? (typeof deployed === "string" ? deployed : undefined) ?? config.crdb.version;
}
