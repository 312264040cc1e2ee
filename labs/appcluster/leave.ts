/**
 * The app cluster's scale-in as a one-shot step of the lab: when `app.leavePath` is set and the
 * deployed node count (guard state `counts["app.nodes"]`) is above the new one, a task POSTs the
 * leave request to each leaving node (labs/appcluster/membership.ts `appScaleIn`, highest first,
 * each retried until it answers 2xx, at most 60 s) before the nodes stop.
 *
 * Why the removed nodes stop after it although nothing of theirs can `dependsOn` it: each node is
 * a member group of its own (labs/appcluster/app-cluster.ts), so the leaving nodes are not in the
 * new program at all. Pulumi deletes resources the program no longer registers only once the
 * program has finished and every registration's step has completed (pulumi/pulumi
 * `pkg/resource/deploy/deployment_executor.go`: deletes are generated after the source iterator's
 * final nil event, i.e. after the program exits, and the Node.js SDK keeps the program alive until
 * each `RegisterResource` returns), and a waited-for task's registration returns only when it has
 * finished (Kubernetes: the provider awaits the Job's `Complete` condition; Docker: the provider
 * attaches until the container exits). A failed task fails the update before any delete runs. The
 * volumes stay: Docker volumes are `retainOnDelete`, and a node's StatefulSet keeps its PVC
 * (`persistentVolumeClaimRetentionPolicy.whenDeleted: Retain`), components/platform/*.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../../components/platform";
import { CURL_IMAGE } from "../../components/images";
import { segments } from "../steps";
import { stepTask } from "../step-task";
import { AppClusterLabConfig } from "./config";
import { appScaleIn } from "./membership";

/** Arguments of {@link appLeaveTask}. */
export interface AppLeaveArgs {
    platform: Platform;
    /** The validated `app` block; `leavePath` must be set. */
    app: AppClusterLabConfig["app"];
    /** Deployed node count. */
    from: number;
    /** New node count (< `from`). */
    to: number;
}

/**
 * The in-lab address of node `id`'s API, `host:port`: the member host of group `app-<id>` as the
 * lab's AppCluster names it (Docker `app-3-0`, Kubernetes `app-3-0.app-3-peer.<ns>.svc.cluster.local`)
 * and the API's container port.
 */
export function appApiAddress(platform: Platform, app: AppLeaveArgs["app"], id: number): string {
    return `${platform.memberHost(`app-${id}`, 0)}:${app.ports.api.containerPort}`;
}

/**
 * The deployed node count a lab build compares with `app.nodes`: the guard state's
 * `counts["app.nodes"]` (written by every deployment, components/guard.ts); undefined for a new stack.
 */
export function deployedNodes(previous: { counts?: Record<string, number> } | undefined): number | undefined {
    const n = previous?.counts?.["app.nodes"];
    return typeof n === "number" ? n : undefined;
}

/**
 * Registers the leave task `app-leave-<from>-to-<to>` (its name changes with the transition, so a
 * later scale-in runs anew), image `curlimages/curl` ({@link CURL_IMAGE}: `sh` and curl;
 * substitutable with `images:`), and returns it.
 * @throws Error when `app.leavePath` is unset, or `to` is not below `from` (nothing leaves), or
 *   {@link appScaleIn} refuses the scale-in.
 */
export function appLeaveTask(args: AppLeaveArgs, parent: pulumi.Resource): pulumi.Resource {
    const { platform, app, from, to } = args;
    if (!app.leavePath) throw new Error("appLeaveTask: app.leavePath is unset; without it scale-in sends no request");
    if (!(to < from)) throw new Error(`appLeaveTask: ${from} → ${to} is no scale-in`);
    const plan = appScaleIn({ curl: "curl", apiAddress: (id) => appApiAddress(platform, app, id), leavePath: app.leavePath }, from, to);
    // Every leave request precedes the first removal: one script, then Pulumi deletes the nodes.
    const [{ commands }] = segments(plan);
    return platform.runTask(
        stepTask({ name: `app-leave-${from}-to-${to}`, component: "app-leave", image: platform.image(CURL_IMAGE), commands }),
        parent,
    );
}
