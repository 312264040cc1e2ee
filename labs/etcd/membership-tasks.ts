/**
 * The etcd lab's membership changes as platform tasks: the plans of labs/etcd/membership.ts
 * (learner add → start → promote; move-leader → member remove), cut at their platform steps, each
 * cut one waited-for task that runs the steps' `sh` script with `etcdctl`.
 *
 * The official etcd image is distroless (no shell: etcd-io/etcd `Dockerfile-release` is
 * `FROM gcr.io/distroless/static-debian12`), so the tasks run in `etcd.stepsImage`, or on Docker a
 * local build of docker/etcd-steps (Debian with the lab image's own `etcdctl`).
 */
import * as pulumi from "@pulumi/pulumi";
import { ImageBuildSpec, Platform, TaskSpec } from "../../components/platform";
import { ChainStep, chainSteps } from "../roll";
import { stepTask } from "../step-task";
import { segments } from "../steps";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT } from "./etcd-cluster";
import { EtcdStepTarget, etcdRollingRestart, etcdScaleIn, etcdScaleOut } from "./membership";

/** docker/etcd-steps, built with the lab's etcd image as `ETCD_IMAGE` (its etcdctl is copied). */
export function etcdStepsBuild(etcdImage: string): ImageBuildSpec {
    return {
        name: "etcd-steps",
        context: "docker/etcd-steps",
        // The tag follows the image it copies etcdctl from.
        tag: etcdImage
            .replace(/^.*[:@]/, "")
            .replace(/[^A-Za-z0-9_.-]/g, "-")
            .slice(0, 100),
        buildArgs: { ETCD_IMAGE: etcdImage },
    };
}

/**
 * Where the tasks reach the members: client URLs by member host, peer URLs as the members
 * advertise them (their own host, or their peer proxy's).
 * @param peerHost the peer host member `ordinal` advertises.
 */
export function etcdStepTarget(platform: Platform, peerHost: (ordinal: number) => string): EtcdStepTarget {
    return {
        etcdctl: "/usr/local/bin/etcdctl",
        clientUrl: (i) => `http://${platform.memberHost("etcd", i)}:${ETCD_CLIENT_PORT}`,
        peerUrl: (i) => `http://${peerHost(i)}:${ETCD_PEER_PORT}`,
    };
}

/**
 * The tasks of a scale-out from `from` to `to` members, in order: `etcd-grow-<from>-to-<to>-<k>`.
 * Task 1 adds member `from` as a learner; task k (1 < k ≤ to−from) promotes member from+k−2 and
 * adds the next as a learner; the last promotes the last joiner. Between two tasks the platform
 * starts the member the earlier one added.
 * @param image the steps image (a shell and etcdctl).
 */
export function etcdGrowSteps(target: EtcdStepTarget, from: number, to: number, image: pulumi.Input<string>): ChainStep[] {
    return chainSteps(etcdScaleOut(target, from, to), `etcd-grow-${from}-to-${to}`, { component: "etcd-membership", image });
}

/**
 * The task of a scale-in from `from` to `to` members, `etcd-shrink-<from>-to-<to>`: for each
 * leaving member, highest first, leadership moves off it when it leads, then `member remove`
 * until it is unlisted. Every removal precedes the first container or pod going away (Pulumi
 * deletes the removed members at the end of the update).
 */
export function etcdShrinkTask(target: EtcdStepTarget, from: number, to: number, image: pulumi.Input<string>): TaskSpec {
    const commands = segments(etcdScaleIn(target, from, to)).flatMap((seg) => seg.commands);
    return stepTask({ name: `etcd-shrink-${from}-to-${to}`, component: "etcd-membership", image, commands });
}

/**
 * The tasks of a rolling restart of `members` members to a new spec, highest ordinal first:
 * `etcd-roll-<revision>-<k>`. Task 1 moves leadership off the first member to go; each later task
 * waits until the member replaced before it answers (as `versions.to` when given) and every
 * member is healthy, then moves leadership off the next one. Between two tasks the platform
 * replaces one member, so never more than one is down (etcd.io/docs/v3.5/upgrades/: one member at a time).
 * @param revision a digest of the new spec: a later change gets new tasks.
 */
export function etcdRollSteps(
    target: EtcdStepTarget,
    members: number,
    revision: string,
    image: pulumi.Input<string>,
    versions?: { from: string; to: string },
): ChainStep[] {
    return chainSteps(etcdRollingRestart(target, members, versions), `etcd-roll-${revision.slice(0, 8)}`, {
        component: "etcd-membership",
        image,
    });
}
