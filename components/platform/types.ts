/**
 * The neutral description of what runs, which a platform (Docker or Kubernetes)
 * materializes. Database components build these; they never build platform resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/**
 * Who a member is, as its own flags see it. On Docker the values are concrete
 * (`pd-0`); on Kubernetes they are the StatefulSet pod's own name via the downward
 * API (`$(POD_NAME)`), so one pod template serves every ordinal.
 */
export interface MemberIdentity {
    /** Member name, e.g. `pd-0` or `$(POD_NAME)`. Used as PD/etcd `--name`. */
    name: string;
    /** Host name other members reach it by (the advertise host), e.g. `pd-0` or `$(POD_NAME).pd-peer.ns.svc.cluster.local`. */
    host: string;
}

/** A container port; `hostPortBase` publishes it on Docker at `hostPortBase + ordinal`. */
export interface PortSpec {
    /** IANA-style port name (≤ 15 chars), e.g. `client`, `peer`, `status`. */
    name: string;
    /** Port inside the container. */
    containerPort: number;
    /** Docker only: host port of ordinal 0; ordinal N gets `hostPortBase + N`, so a restart never moves it. */
    hostPortBase?: number;
}

/** A health probe: an HTTP GET on a container port, or a command run inside the container. */
export type HealthProbe =
    | {
          http: { port: number; path: string; scheme?: "HTTP" | "HTTPS" };
          periodSeconds?: number;
          failureThreshold?: number;
          initialDelaySeconds?: number;
      }
    | { exec: string[]; periodSeconds?: number; failureThreshold?: number; initialDelaySeconds?: number };

/** A file written into the container (Docker upload; Kubernetes ConfigMap mounted by subPath). */
export interface ConfigFile {
    /** Absolute path in the container. */
    path: string;
    content: pulumi.Input<string>;
}

/** An extra stable client entrypoint over a group (e.g. `crdb-writer`). */
export interface ClientServiceSpec {
    /** Service name (Kubernetes Service; Docker network alias). Never changes across phases. */
    name: string;
    /** Names of the group's ports it exposes. */
    ports: string[];
}

/**
 * A group of identical members: a StatefulSet on Kubernetes (a Deployment when it has no
 * data), one container per member on Docker.
 */
export interface MemberGroupSpec {
    /** Group name: StatefulSet name, member-name prefix (`<name>-<ordinal>`). DNS-1123 label. */
    name: string;
    /** `app.kubernetes.io/component` label and Docker label, e.g. `pd`. */
    component: string;
    /** Number of members. */
    replicas: number;
    /** Ordinal of the first member (StatefulSet `spec.ordinals.start`). Default 0. */
    firstOrdinal?: number;
    /** Pinned image reference. */
    image: pulumi.Input<string>;
    /** Entrypoint override; omit to use the image's. */
    command?: string[];
    /** Arguments for one member; must not depend on how many members there are (a scale-out must not rewrite existing members). */
    args: (member: MemberIdentity) => string[];
    /** Plain environment. */
    env?: Record<string, pulumi.Input<string>>;
    /** Secret environment: a Kubernetes Secret + secretKeyRef; on Docker a secret container input. */
    secretEnv?: Record<string, pulumi.Output<string>>;
    ports: PortSpec[];
    /** Persistent data; its volume/PVC outlives the member (retained on delete). */
    data?: { mountPath: string; sizeGiB: number };
    /**
     * Members need their ordinal names and per-member DNS even without data (the etcd peer
     * proxies: one per member, addressed by ordinal). Kubernetes: a StatefulSet without claim
     * templates instead of a Deployment. Docker members are named by ordinal anyway.
     */
    stableIdentity?: boolean;
    files?: ConfigFile[];
    readiness?: HealthProbe;
    liveness?: HealthProbe;
    /** Docker: wait until healthy before dependents start (needs `readiness`). Kubernetes awaits readiness itself. */
    waitHealthy?: boolean;
    /** Docker `nofile` ulimit (TiKV refuses to start below 82920 open files: tikv `check_rlimit`); Kubernetes inherits the runtime's. */
    openFilesLimit?: number;
    /** Kubernetes pod `securityContext.fsGroup` (e.g. 65534 for Prometheus); Docker ignores it. */
    fsGroup?: number;
    /** Extra client entrypoints over this group. */
    clientServices?: ClientServiceSpec[];
    /**
     * Members exist but do not run, data kept (a fault drill): Docker creates the container
     * without starting it (`start: false`); Kubernetes scales the StatefulSet to 0, which keeps
     * its PVCs (`persistentVolumeClaimRetentionPolicy.whenScaled` defaults to Retain).
     */
    stopped?: boolean;
    dependsOn?: pulumi.Resource[];
    /** Secret file sets mounted as directories (certificates); a change of their `version` rolls the members. */
    secretMounts?: SecretMount[];
    /**
     * Kubernetes only: scripts in another image that run beside each member, for what one pod
     * template cannot say by itself — an etcd member joining as a learner (labs/etcd/self-join.ts),
     * a TiKV store handing its leaders off before it stops (labs/tikv/leader-handoff.ts). Docker
     * members are concrete, so their steps are tasks instead.
     */
    helper?: MemberHelperSpec;
}

/**
 * Scripts beside a member ({@link MemberGroupSpec.helper}). Each runs as `/bin/sh -c <script>`
 * with `POD_NAME`, `POD_NAMESPACE` and {@link MemberHelperSpec.env} set; all see the data volume
 * and share `sharedPath` (an `emptyDir`, lost with the pod) with the member.
 */
export interface MemberHelperSpec {
    /** Pinned image with a POSIX `/bin/sh` and what the scripts call. */
    image: pulumi.Input<string>;
    /** Directory the helpers and the member share, e.g. `/etc/etcd-start`. */
    sharedPath: string;
    /**
     * Environment of the helper containers, per member as the member's own flags see it (on
     * Kubernetes `member.host` holds `$(POD_NAME)`, which the kubelet expands in env values).
     */
    env?: (member: MemberIdentity) => Record<string, string>;
    /** Run to completion before the member starts; a non-zero exit is retried by the kubelet (backing off), the member never starting meanwhile. */
    before?: { name: string; script: string };
    /**
     * Run beside the member for the pod's life; with `readiness`, the pod is Ready only once it
     * passes too. `preStop` runs in this container when the pod is deleted (a rolling update, a
     * shrink), before the container is sent SIGTERM.
     */
    beside?: { name: string; script: string; readiness?: HealthProbe; preStop?: string };
    /**
     * Run in the member's own container (its image must have `/bin/sh`) when the pod is deleted,
     * before the member is sent SIGTERM: the kubelet runs every container's preStop hook at once,
     * so this is how the member waits for `beside.preStop` (Kubernetes docs, "Container Lifecycle
     * Hooks" and "Pod Lifecycle" → "Termination of Pods").
     */
    memberPreStop?: string;
    /**
     * Seconds a deleted pod has for its preStop hooks and the member's own shutdown (Kubernetes
     * `terminationGracePeriodSeconds`; the kubelet's default is 30, which counts the hooks too).
     */
    stopGraceSeconds?: number;
    /**
     * Files the scripts read at `path`, kept outside the pod template ({@link Platform.memberState}):
     * a change reaches new pods (and, after the kubelet's sync, running ones) without rolling any.
     */
    state?: { path: string; from: MemberState };
}

/** Files a member group's helper reads ({@link Platform.memberState}). */
export interface MemberStateSpec {
    /** The member group's name, e.g. `etcd`. */
    group: string;
    /** `app.kubernetes.io/component` label. */
    component: string;
    /** File name → content. */
    files: Record<string, pulumi.Input<string>>;
}

/** Stored member state: what a helper mounts, and what a task that must see the new files first waits for. */
export interface MemberState {
    /** Kubernetes: the ConfigMap's name, `<group>-start-state`. */
    name: string;
    resource: pulumi.Resource;
}

/**
 * A short SHA-256 hex digest of `text`: what task names and config-rollout annotations carry,
 * so a changed input gives a new name (a new Job) or rolls the pods.
 */
export function contentHash(text: string, length = 8): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A one-shot step: a Kubernetes Job, a Docker container that runs once. */
export interface TaskSpec {
    /** Task name; include a phase or content hash so a changed task runs anew. */
    name: string;
    component: string;
    image: pulumi.Input<string>;
    command?: string[];
    args: string[];
    env?: Record<string, pulumi.Input<string>>;
    files?: ConfigFile[];
    /**
     * `true`: the step must finish before its dependents start (Kubernetes: the provider awaits
     * the Job; Docker: the provider attaches until the container exits). `false`: started and
     * left running (a load generator), so `pulumi up` does not block on it.
     */
    waitForCompletion: boolean;
    /** Kubernetes Job `backoffLimit`; Docker `on-failure` restarts of a step that is not waited for. */
    retries?: number;
    /**
     * Seconds `pulumi up` waits for a waited-for task before failing it: set it above the task's own
     * bounded waits. Kubernetes: the Job's `customTimeouts` (the provider's default is 10 minutes,
     * pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job). Docker: the provider attaches
     * until the container exits, with no limit of its own, so the script's bounds are the limit.
     */
    timeoutSeconds?: number;
    dependsOn?: pulumi.Resource[];
    /** Secret file sets mounted as directories (client certificates). */
    secretMounts?: SecretMount[];
}

/**
 * Secret files a platform keeps under one name: a Kubernetes Secret (its data is a secret
 * output in state), or on Docker nothing of its own (the files are uploaded into each
 * container that mounts them, as secret inputs).
 */
export interface SecretFilesSpec {
    /** Secret name, a DNS-1123 label such as `crdb-node-certs`; never changes, since mounts and users refer to it. */
    name: string;
    /** `app.kubernetes.io/component` label. */
    component: string;
    /** File name → content (PEM text); pass Pulumi secrets for keys. */
    files: Record<string, pulumi.Input<string>>;
    /**
     * A non-secret fingerprint of the contents (e.g. a hash of the certificates, never of the
     * keys): Kubernetes annotates the pods that mount the set with it, so new contents roll them.
     * The name stays, so Jobs that mount the set are not replaced by new contents (a versioned
     * name would re-run every completed Job, backups included).
     */
    version: pulumi.Input<string>;
}

/** A stored secret file set. */
export interface SecretFiles extends SecretFilesSpec {
    /** What mounts wait for: the Kubernetes Secret; undefined on Docker. */
    resource?: pulumi.Resource;
}

/** A secret file set mounted as one directory, every file with the same mode. */
export interface SecretMount {
    secret: SecretFiles;
    /** Directory in the container, e.g. `/cockroach/cockroach-certs`. */
    mountPath: string;
    /** File mode, e.g. `0o400` (owner read-only): Kubernetes `defaultMode`, Docker upload `permissions`. */
    mode: number;
}

/** An image built from a Dockerfile in this repository (no official image exists). */
export interface ImageBuildSpec {
    /** Short name: the image becomes `clusterlab/<name>:<tag>-<arch>`. */
    name: string;
    /** Build context directory, relative to the project root (e.g. `docker/go-ycsb`). */
    context: string;
    tag: string;
    buildArgs?: Record<string, string>;
}

/** What a platform hands back for a group. */
export interface DeployedGroup {
    /** Members as others reach them, in ordinal order. */
    members: { ordinal: number; name: string; host: string }[];
    /** Resources dependents should wait on (containers, StatefulSet). */
    ready: pulumi.Resource[];
}

/**
 * A backend that materializes neutral descriptions. Implementations: `DockerPlatform`,
 * `KubernetesPlatform`.
 */
export interface Platform {
    /** How other members reach member `ordinal` of `group`, e.g. `pd-0` (Docker) or `pd-0.pd-peer.ns.svc.cluster.local`. */
    memberHost(group: string, ordinal: number): string;
    /** How clients inside the lab reach a client service by name. */
    serviceHost(service: string): string;
    /** Where a user on the host reaches a published port: `http://127.0.0.1:9090` or a port-forward hint. */
    userUrl(service: string, containerPort: number, hostPort: number, path?: string): string;
    /**
     * Where a user on the host reaches one member (`pd-3`, `tikv-0`) itself, not whichever member a
     * Service picks: Docker `http://127.0.0.1:<hostPort>` (the member's own published port);
     * Kubernetes a `kubectl port-forward pod/<member>` hint.
     * @param member the member's name, `<group>-<ordinal>` as {@link DeployedGroup.members} gives it.
     */
    memberUrl(member: string, containerPort: number, hostPort: number, path?: string): string;
    /** The command that follows a task's output, e.g. `docker logs -f …` or `kubectl logs -f job/…`. */
    taskLogsCommand(task: string): string;
    deployGroup(spec: MemberGroupSpec, parent: pulumi.Resource): DeployedGroup;
    runTask(spec: TaskSpec, parent: pulumi.Resource): pulumi.Resource;
    /**
     * Keeps the files a member group's helper reads outside its pod template
     * ({@link MemberHelperSpec.state}). Kubernetes: the ConfigMap `<group>-start-state`, a fixed
     * name, so a change replaces it (delete first); a task that must run only once the new files are
     * stored (the etcd scale-in after its new count) depends on `resource`.
     * @throws Error on Docker, whose members have no helper.
     */
    memberState(spec: MemberStateSpec, parent: pulumi.Resource): MemberState;
    /**
     * Builds an image for the stack's architecture.
     * @throws Error on Kubernetes, which cannot run a local build.
     */
    buildImage(spec: ImageBuildSpec, parent: pulumi.Resource): pulumi.Input<string>;
    /** An image reference pinned and pulled for the stack's architecture (Docker: a RemoteImage per reference). */
    image(ref: string): pulumi.Input<string>;
    /** Keeps secret files under a name for groups and tasks to mount ({@link SecretMount}). */
    secretFiles(spec: SecretFilesSpec, parent: pulumi.Resource): SecretFiles;
    /**
     * Resolves once every member group and task registered so far is in place — created or updated
     * as the engine reports it (Kubernetes: the provider's readiness or Job completion await; Docker:
     * containers created, waited-for tasks exited 0) — and rejects when one failed. Call it after
     * the last registration. The program's record of what is deployed waits for it, so a failed
     * `pulumi up` leaves the last successful record in place (the engine keeps the stack outputs a
     * failed update did not register again: pulumi/pulumi#15754, "Don't delete stack outputs on
     * failed deployments").
     */
    settled(): pulumi.Output<void>;
}

/** Labels every resource carries (Kubernetes recommended labels; Docker labels too). */
export function standardLabels(lab: string, component: string, group: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": group,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": `clusterlab-${lab}`,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Selector labels: derived from names only, never from images or counts (a change would replace the StatefulSet). */
export function selectorLabels(lab: string, group: string): Record<string, string> {
    return { "app.kubernetes.io/name": group, "app.kubernetes.io/part-of": `clusterlab-${lab}` };
}
