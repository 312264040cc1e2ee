/**
 * TiKV store and PD member scale-in as one-shot steps of the TiKV lab, as the CockroachDB lab
 * decommissions (labs/crdb/decommission.ts): when the deployed count is above the new one, a task
 * runs the steps of labs/tikv/membership.ts — `tikv-store-delete-<from>-to-<to>` (each leaving
 * store, highest ordinal first, `pd-ctl store delete` and wait for Tombstone) and
 * `pd-member-delete-<from>-to-<to>` (each leaving member, highest first: move the PD leader off it
 * when it leads, `pd-ctl member delete name`, wait until unlisted) — and the store group or the
 * PD groups depend on it. The name changes with the transition, so a later scale-in runs anew,
 * and no task exists outside one.
 *
 * Ordering, in Pulumi terms: a shrinking StatefulSet is an update, which waits for its
 * `dependsOn`, and the provider reports a Job created only once its `Complete` condition is true
 * (pulumi.com/registry kubernetes `batch/v1.Job`: "waits until its status is ready"); members
 * the program no longer declares (Docker containers, a vanished `pd-join` StatefulSet) are deleted
 * at the very end of the update, after every create (pulumi/pulumi#9979), so after the task too. A
 * failed or timed-out step fails the task and with it the `pulumi up` before anything is removed.
 * The Job await times out after 10 minutes by default (same registry page), shorter than the
 * 30-minute Tombstone bound (PD_STEP_TIMEOUTS); the Job keeps running, and the next `pulumi up`
 * awaits it again (same page: "Pulumi will continue to wait for readiness on the next update").
 *
 * The task runs in the lab's own PD image (`pingcap/pd:<version>`, pinned with the lab's version;
 * a scale-in together with a version change is refused: labs/tikv/transitions.ts): it ships
 * `/pd-ctl` beside `/pd-server` — PingCAP's release Dockerfile (PingCAP-QE/artifacts
 * `dockerfiles/products/pd.Dockerfile`: `COPY pd-ctl /pd-ctl`, `ENTRYPOINT ["/pd-server"]`) on a
 * Rocky Linux 9 base with busybox (`dockerfiles/bases/pd-base`, `pingcap-base`), and tikv/pd's own
 * `Dockerfile` (alpine 3.17, `/pd-ctl`) — and the base has the `sh`, `grep`, `sed`, `tr`, `head`,
 * `date` and `sleep` the rendered script needs (labs/steps.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../../components/platform";
import { CommandStep, Plan, segments } from "../steps";
import { stepTask } from "../step-task";
export { deployedMembers } from "../roll";
import { PdStepTarget, pdScaleIn, tikvScaleIn, tikvScaleInProblems } from "./membership";
import { PD_CLIENT_PORT, pdMemberName } from "./pd-cluster";
import { TIKV_PORT } from "./tikv-cluster";

/** Where `pd-ctl` is in the `pingcap/pd` image (see the file's header). */
export const PD_CTL_PATH = "/pd-ctl";

/** A member count before and after a change. */
export interface CountChange {
    /** The deployed count; undefined for a new stack (nothing to scale in). */
    from?: number;
    /** The new count. */
    to: number;
}

/** Arguments of {@link TikvScaleIn}. */
export interface TikvScaleInArgs {
    platform: Platform;
    /** The PD image of the lab's pinned version, e.g. `pingcap/pd:v8.5.1` (the same reference the PD members run). */
    pdImage: string;
    /** TiKV stores (`tikv.stores`), group `tikv`. */
    stores: CountChange;
    /** PD members (`pd.members`), groups `pd` and `pd-join`. */
    pdMembers: CountChange;
    /** `pd.bootstrapMembers`: which members are named `pd-<i>` and which `pd-join-<i>`. */
    pdBootstrapMembers: number;
}

/**
 * Where the lab's steps reach PD: `pd-ctl` of the PD image, member 0's client URL (member 0 never
 * leaves: a count is at least 1), the store addresses as each store advertises them
 * (labs/tikv/tikv-cluster.ts `--advertise-addr`, which `pd-ctl store` lists), and the members' names.
 * @param pdBootstrapMembers `pd.bootstrapMembers`: which members are `pd-<i>` and which `pd-join-<i>`.
 */
export function pdStepTarget(platform: Platform, pdBootstrapMembers: number): PdStepTarget {
    return {
        pdCtl: PD_CTL_PATH,
        pdUrl: `http://${platform.memberHost("pd", 0)}:${PD_CLIENT_PORT}`,
        storeAddress: (i) => `${platform.memberHost("tikv", i)}:${TIKV_PORT}`,
        memberName: (i) => pdMemberName(i, pdBootstrapMembers),
    };
}

/** Whether `change` removes members. */
export function shrinks(change: CountChange): change is Required<CountChange> {
    return change.from !== undefined && change.from > change.to;
}

/**
 * The command steps of a scale-in plan, which run before every removal as one script.
 * @throws Error when a command follows a platform step: one task before the shrink could not run it.
 */
export function commandsBeforeRemoval(plan: Plan): CommandStep[] {
    const [first, ...rest] = segments(plan);
    if (rest.some((s) => s.commands.length > 0)) {
        throw new Error(`a scale-in plan runs commands after a removal; one task before the shrink cannot run it: ${JSON.stringify(plan)}`);
    }
    return first?.commands ?? [];
}

/**
 * The lab's scale-in tasks (`clusterlab:index:TikvScaleIn`), registered only when a count
 * shrinks ({@link tikvScaleInTasks}): `stores` is the store-delete task (undefined when the stores
 * do not shrink), `pd` the PD member-delete task (likewise).
 */
export class TikvScaleIn extends pulumi.ComponentResource {
    /** Task `tikv-store-delete-<from>-to-<to>`; the store group depends on it. */
    public readonly stores?: pulumi.Resource;
    /** Task `pd-member-delete-<from>-to-<to>`; both PD groups depend on it. */
    public readonly pd?: pulumi.Resource;

    /** @throws Error when the PD scale-in leaves no member (labs/tikv/membership.ts `pdScaleIn`; the schema keeps ≥ 1). */
    constructor(name: string, args: TikvScaleInArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:TikvScaleIn", name, {}, opts);
        const { platform } = args;
        const target = pdStepTarget(platform, args.pdBootstrapMembers);
        const task = (name: string, plan: Plan) =>
            platform.runTask(
                stepTask({ name, component: "pd-ctl", image: platform.image(args.pdImage), commands: commandsBeforeRemoval(plan) }),
                this,
            );
        const { stores, pdMembers } = args;
        // A scale-in below max-replicas is the guard's to refuse (labs/tikv/transitions.ts, before
        // any build): no task for it, so a refused config still evaluates to what it would remove.
        if (shrinks(stores) && !tikvScaleInProblems(stores.from, stores.to).length) {
            this.stores = task(`tikv-store-delete-${stores.from}-to-${stores.to}`, tikvScaleIn(target, stores.from, stores.to));
        }
        if (shrinks(pdMembers)) {
            this.pd = task(`pd-member-delete-${pdMembers.from}-to-${pdMembers.to}`, pdScaleIn(target, pdMembers.from, pdMembers.to));
        }
        this.registerOutputs({});
    }
}

/**
 * Registers {@link TikvScaleIn} `tikv-scale-in` when the stores or the PD members shrink.
 * @returns the tasks, or undefined when neither count shrinks (so a steady stack registers nothing new).
 * @throws Error as {@link TikvScaleIn} does.
 */
export function tikvScaleInTasks(args: TikvScaleInArgs): TikvScaleIn | undefined {
    return shrinks(args.stores) || shrinks(args.pdMembers) ? new TikvScaleIn("tikv-scale-in", args) : undefined;
}
