/**
 * A CockroachDB major-version upgrade as a phase of the lab, in two `pulumi up`s:
 *
 * 1. The bump (`crdb.version` to a new major). Before anything restarts, a one-shot task
 *    `crdb-upgrade-hold-<fromMajor>-to-<toMajor>` runs the steps of labs/crdb/membership.ts
 *    `crdbUpgrade` that precede its first replace-member: `SET CLUSTER SETTING
 *    cluster.auto_upgrade.enabled = false`, then a poll until it reads `false` (from v23.1, which
 *    has no such setting, `cluster.preserve_downgrade_option` instead). By default a major upgrade
 *    finalizes itself once every node has rejoined on the new binary and then cannot be rolled
 *    back; with auto-upgrade off it stays unfinalized, so a downgrade stays possible
 *    (cockroachlabs.com/docs "Upgrade CockroachDB self-hosted", "Disable auto-finalization":
 *    `cluster.auto_upgrade.enabled`, "introduced in v23.2", is the recommended way;
 *    `cluster.preserve_downgrade_option` the earlier one; "Either of these settings prevents
 *    automatic finalization"). The node group depends on the task, and the provider awaits a
 *    Job's completion before it updates a dependent, so the roll starts only after the hold holds;
 *    a failed hold fails the `pulumi up` before any node restarts.
 *
 *    The roll itself is the platform's. Kubernetes: the StatefulSet's default `RollingUpdate`
 *    strategy "will delete and recreate each Pod in the StatefulSet … in the same order as Pod
 *    termination (from the largest ordinal to the smallest), updating each Pod one at a time", and
 *    "waits until an updated Pod is Running and Ready prior to updating its predecessor"
 *    (kubernetes.io/docs/concepts/workloads/controllers/statefulset, "Rolling Updates"); its
 *    `podManagementPolicy: Parallel` "only affects the behavior for scaling operations. Updates are
 *    not affected" ("Parallel Pod Management"). Ready is the node's `/health?ready=1`
 *    (labs/crdb/crdb-cluster.ts), so each node is back before the next restarts — the waits
 *    `crdbUpgrade` lists between replacements are the readiness gate here, not a task. Docker
 *    would replace every container of a changed image at once, so there the lab rolls the nodes
 *    itself after the hold: tasks `crdb-roll-<spec>-<k>` drain a node, it is replaced, the next
 *    task waits until it is live on the new build and drains the next (labs/crdb/lab.ts,
 *    `crdbRollingRestart`, labs/roll.ts).
 *
 * 2. The finalization (`crdb.finalizeUpgrade: "<major>"`, a later config change): a task
 *    `crdb-finalize-<major>` runs `crdbFinalize` — `SET CLUSTER SETTING version = '<major>'`, a poll
 *    until `SHOW CLUSTER SETTING version` reads it, auto-upgrade back on. Its name and spec depend
 *    on the major only (and the steps' image, fixed by labs/crdb/steps-version.ts), so while the
 *    key stays set the Job is registered unchanged on every later `pulumi up`, and the provider
 *    leaves a completed Job whose spec did not change alone: it runs once per major.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform, SecretMount } from "../../components/platform";
import { CommandStep, segments } from "../steps";
import { stepTask } from "../step-task";
import { CRDB_SQL_PORT, crdbSecurityFlag } from "./crdb-cluster";
import { CrdbStepTarget, crdbFinalize, crdbMajor, crdbUpgradeHold } from "./membership";

/** Where and as what the upgrade tasks run: the lab's platform, the steps' image, its security. */
export interface CrdbUpgradeTaskBase {
    platform: Platform;
    /** The steps' client image (the lab's `stepsVersion`: the same on every `pulumi up`). */
    image: pulumi.Input<string>;
    secure: boolean;
    /** Root client certificates in secure mode. */
    secretMounts?: SecretMount[];
}

/** Arguments of {@link crdbUpgradeHoldTask}. */
export interface CrdbUpgradeHoldArgs extends CrdbUpgradeTaskBase {
    /** The deployed `crdb.version` (`vYY.R.PP`, from the lab's memory). */
    from: string;
    /** The new `crdb.version` (`vYY.R.PP`). */
    to: string;
}

/** Arguments of {@link crdbFinalizeTask}. */
export interface CrdbFinalizeArgs extends CrdbUpgradeTaskBase {
    /** The `crdb.version` being finalized (`vYY.R.PP`); only its major enters the task. */
    version: string;
    /** What must be up before finalizing: the node group, `crdb-init`. */
    dependsOn: pulumi.Resource[];
}

/** `25.1` → `25-1`: a major as a DNS-1123 label part (Job and container names). */
function label(major: string): string {
    return major.replace(/\./g, "-");
}

/** The hold task's name: `crdb-upgrade-hold-24-3-to-25-1`. @throws Error when a version is not `vYY.R.PP`. */
export function crdbUpgradeHoldName(from: string, to: string): string {
    return `crdb-upgrade-hold-${label(crdbMajor(from))}-to-${label(crdbMajor(to))}`;
}

/** The finalize task's name: `crdb-finalize-25-1`. @throws Error when `version` is not `vYY.R.PP`. */
export function crdbFinalizeName(version: string): string {
    return `crdb-finalize-${label(crdbMajor(version))}`;
}

/**
 * Where the lab's steps reach the cluster: every command connects to node 0 (it stays through any
 * allowed change; while it restarts, the waits retry until it answers), with `--insecure` or the
 * root client certificates.
 */
export function crdbStepTarget(platform: Platform, secure: boolean): CrdbStepTarget {
    const host = (i: number) => `${platform.memberHost("crdb", i)}:${CRDB_SQL_PORT}`;
    return { cockroach: "cockroach", security: crdbSecurityFlag(secure), host: host(0), advertiseAddress: host };
}

/**
 * The hold's steps: what `crdbUpgrade` runs before its first replace-member. Empty for a patch
 * change (same major), which needs no hold.
 * @throws Error when labs/crdb/membership.ts `crdbVersionProblems` refuses the change (a downgrade, a skipped Regular release).
 */
export function crdbUpgradeHoldSteps(platform: Platform, secure: boolean, from: string, to: string): CommandStep[] {
    return crdbUpgradeHold(crdbStepTarget(platform, secure), from, to);
}

/** The finalization's steps (`crdbFinalize`). @throws Error when `version` is not `vYY.R.PP`. */
export function crdbFinalizeSteps(platform: Platform, secure: boolean, version: string): CommandStep[] {
    return segments(crdbFinalize(crdbStepTarget(platform, secure), version)).flatMap((s) => s.commands);
}

/**
 * Registers the hold task when `from` and `to` are different majors and returns it; undefined
 * for a patch change. The caller makes the node group depend on it.
 * @throws Error as {@link crdbUpgradeHoldSteps}.
 */
export function crdbUpgradeHoldTask(args: CrdbUpgradeHoldArgs, parent: pulumi.Resource): pulumi.Resource | undefined {
    if (crdbMajor(args.from) === crdbMajor(args.to)) return undefined;
    const commands = crdbUpgradeHoldSteps(args.platform, args.secure, args.from, args.to);
    return args.platform.runTask(
        stepTask({
            name: crdbUpgradeHoldName(args.from, args.to),
            component: "cockroachdb-upgrade",
            image: args.image,
            commands,
            secretMounts: args.secretMounts,
        }),
        parent,
    );
}

/**
 * Registers the finalize task `crdb-finalize-<major>` (after `args.dependsOn`) and returns it.
 * @throws Error when `args.version` is not `vYY.R.PP`.
 */
export function crdbFinalizeTask(args: CrdbFinalizeArgs, parent: pulumi.Resource): pulumi.Resource {
    const commands = crdbFinalizeSteps(args.platform, args.secure, args.version);
    return args.platform.runTask(
        stepTask({
            name: crdbFinalizeName(args.version),
            component: "cockroachdb-upgrade",
            image: args.image,
            commands,
            secretMounts: args.secretMounts,
            dependsOn: args.dependsOn,
        }),
        parent,
    );
}
