/**
 * The CockroachDB scale-in as a one-shot step of the lab: when the deployed node count (guard
 * state `counts["crdb.nodes"]`) is above the new one, a task runs the decommission steps of
 * labs/crdb/membership.ts (highest ordinals first, one at a time, each to 0 replicas and
 * `decommissioned`), and the node group depends on it. In Pulumi terms: the StatefulSet (or the
 * Docker containers) `dependsOn` the task, and the provider awaits a Job's completion before it
 * updates a dependent (pulumi-kubernetes: a Job is ready when its `Complete` condition is true),
 * so the StatefulSet shrinks only after every leaving node is decommissioned; a failed or timed-out
 * decommission fails the `pulumi up` before anything is removed.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform, SecretMount } from "../../components/platform";
import { segments } from "../steps";
import { stepTask } from "../step-task";
import { CRDB_SQL_PORT, crdbSecurityFlag } from "./crdb-cluster";
import { crdbScaleIn } from "./membership";

/** Arguments of {@link crdbDecommissionTask}. */
export interface CrdbDecommissionArgs {
    platform: Platform;
    /** Deployed node count. */
    from: number;
    /** New node count (< `from`). */
    to: number;
    /** The replication factor the new config's phase sets; below it the scale-in is refused. */
    replicationFactor: number;
    /** The steps' client image (the lab's `stepsVersion`). */
    image: pulumi.Input<string>;
    secure: boolean;
    /** Root client certificates in secure mode. */
    secretMounts?: SecretMount[];
}

/**
 * Registers the decommission task `crdb-decommission-<from>-to-<to>` (its name changes with the
 * transition, so a later scale-in runs anew) and returns it.
 * @throws Error when the scale-in is below the replication factor.
 */
export function crdbDecommissionTask(args: CrdbDecommissionArgs, parent: pulumi.Resource): pulumi.Resource {
    const host = (i: number) => `${args.platform.memberHost("crdb", i)}:${CRDB_SQL_PORT}`;
    const plan = crdbScaleIn(
        { cockroach: "cockroach", security: crdbSecurityFlag(args.secure), host: host(0), advertiseAddress: host },
        args.from,
        args.to,
        args.replicationFactor,
    );
    // Every decommission precedes the first removal: one script, then the node group.
    const [{ commands }] = segments(plan);
    return args.platform.runTask(
        stepTask({
            name: `crdb-decommission-${args.from}-to-${args.to}`,
            component: "cockroachdb-decommission",
            image: args.image,
            commands,
            secretMounts: args.secretMounts,
        }),
        parent,
    );
}
