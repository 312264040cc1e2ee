/**
 * Docker materialization: one bridge network per stack, a named volume per member
 * (retained on delete), one container per member with healthcheck, restart policy and
 * labels, and images pulled for the stack's architecture.
 *
 * Provider: pulumi-docker (`docker.Network`, `docker.Volume`, `docker.Container`,
 * `docker.RemoteImage`, registry.pulumi.com/providers/docker).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
    ConfigFile,
    DeployedGroup,
    HealthProbe,
    ImageBuildSpec,
    MemberGroupSpec,
    MemberState,
    MemberStateSpec,
    Platform,
    SecretFiles,
    SecretFilesSpec,
    SecretMount,
    TaskSpec,
    selectorLabels,
    standardLabels,
} from "./types";
import { PlatformTraits } from "./effects";

/** Arguments of {@link DockerPlatform}. */
export interface DockerPlatformArgs {
    /** Lab name, for labels (`tikv`, `crdb`, `etcd`). */
    lab: string;
    /** Stack name: prefixes container, volume and network names so stacks do not collide on one engine. */
    stack: string;
    /** Image architecture: pulls `linux/<arch>`. */
    arch: "amd64" | "arm64";
}

/** Docker healthcheck seconds → Docker's Go duration strings. */
function seconds(n: number): string {
    return `${n}s`;
}

/**
 * A Docker healthcheck `test` for a neutral probe. HTTP probes try curl then wget, since
 * vendor images ship one or the other (PingCAP's bases install curl: PingCAP-QE/artifacts
 * `dockerfiles/bases`); exec probes run as given (distroless etcd: `etcdctl endpoint health`).
 */
export function dockerHealthcheck(probe: HealthProbe): docker.types.input.ContainerHealthcheck {
    // HTTPS probes skip verification, as Kubernetes' httpGet does for scheme HTTPS (Kubernetes docs,
    // "Configure Liveness, Readiness and Startup Probes": "the kubelet ... skips the certificate verification").
    const [curl, wget, scheme] =
        "http" in probe && probe.http.scheme === "HTTPS" ? ["curl -k", "wget --no-check-certificate", "https"] : ["curl", "wget", "http"];
    const test =
        "http" in probe
            ? [
                  "CMD-SHELL",
                  `${curl} -fsS ${scheme}://127.0.0.1:${probe.http.port}${probe.http.path} >/dev/null || ${wget} -q -O /dev/null ${scheme}://127.0.0.1:${probe.http.port}${probe.http.path}`,
              ]
            : ["CMD", ...probe.exec];
    return {
        tests: test,
        interval: seconds(probe.periodSeconds ?? 5),
        timeout: seconds(3),
        retries: probe.failureThreshold ?? 12,
        startPeriod: seconds(probe.initialDelaySeconds ?? 5),
    };
}

/**
 * The Docker platform. A ComponentResource (`clusterlab:index:DockerPlatform`) that owns the
 * stack's network and image pulls; groups and tasks are parented to the component that asks.
 */
export class DockerPlatform extends pulumi.ComponentResource implements Platform {
    /** The stack's bridge network. */
    public readonly network: docker.Network;
    private readonly images = new Map<string, docker.RemoteImage>();
    /** Waited-for tasks → their exit gate: the task's container, once it exited 0 ({@link runTask}). */
    private readonly exitGates = new Map<pulumi.Resource, pulumi.Output<pulumi.Resource>>();
    /** What {@link settled} waits for: member containers' URNs (resolved once created) and tasks' exit gates. */
    private readonly placed: pulumi.Input<unknown>[] = [];

    constructor(
        name: string,
        private readonly args: DockerPlatformArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("clusterlab:index:DockerPlatform", name, {}, opts);
        this.network = new docker.Network(
            `${name}-network`,
            {
                name: `clusterlab-${args.stack}`,
                driver: "bridge",
                labels: this.labelList({ "app.kubernetes.io/part-of": `clusterlab-${args.lab}` }),
            },
            { parent: this },
        );
        this.registerOutputs({ network: this.network.name });
    }

    memberHost(group: string, ordinal: number): string {
        return `${group}-${ordinal}`;
    }

    serviceHost(service: string): string {
        return service;
    }

    userUrl(_service: string, _containerPort: number, hostPort: number, path = ""): string {
        return `http://127.0.0.1:${hostPort}${path}`;
    }

    /** Each member publishes its own host port, so the member URL is its published port. */
    memberUrl(_member: string, _containerPort: number, hostPort: number, path = ""): string {
        return `http://127.0.0.1:${hostPort}${path}`;
    }

    taskLogsCommand(task: string): string {
        return `docker logs -f ${this.containerName(task)}`;
    }

    /** Pulls `ref` for `linux/<arch>` once per stack; returns the image ID to run. */
    image(ref: string): pulumi.Input<string> {
        let image = this.images.get(ref);
        if (!image) {
            const resourceName = `image-${ref.replace(/[^A-Za-z0-9.-]+/g, "-")}`;
            image = new docker.RemoteImage(
                resourceName,
                { name: ref, platform: `linux/${this.args.arch}`, keepLocally: true },
                { parent: this },
            );
            this.images.set(ref, image);
        }
        return image.imageId;
    }

    /** Docker keeps no secret store: each container that mounts the set gets its files uploaded (secret inputs). */
    memberState(spec: MemberStateSpec): MemberState {
        throw new Error(`${spec.group}: member state is for a member helper, which is Kubernetes only (on Docker, run its steps as tasks)`);
    }

    secretFiles(spec: SecretFilesSpec): SecretFiles {
        return spec;
    }

    private labelList(labels: Record<string, string>): docker.types.input.ContainerLabel[] {
        return Object.entries({ ...labels, "clusterlab.stack": this.args.stack }).map(([label, value]) => ({ label, value }));
    }

    private containerName(member: string): string {
        return `clusterlab-${this.args.stack}-${member}`;
    }

    /**
     * What every container of the stack has, member or task: its name, image, command, env
     * (Docker has no separate secret env: a secret value keeps the input secret in state),
     * labels, the stack network with `aliases`, and uploaded files. Uploads create missing
     * directories (terraform-provider-docker's acceptance tests upload to /terraform/…).
     */
    private containerBase(
        name: string,
        run: {
            image: pulumi.Input<string>;
            command?: string[];
            args: string[];
            env?: Record<string, pulumi.Input<string>>;
            files?: ConfigFile[];
            secretMounts?: SecretMount[];
        },
        labels: Record<string, string>,
        aliases?: string[],
    ): docker.ContainerArgs {
        return {
            name: this.containerName(name),
            image: pulumi.output(run.image),
            entrypoints: run.command,
            command: run.args,
            envs: Object.entries(run.env ?? {}).map(([k, v]) => pulumi.interpolate`${k}=${v}`),
            labels: this.labelList(labels),
            networksAdvanced: [{ name: this.network.id, aliases }],
            uploads: [
                ...(run.files ?? []).map((f) => ({ file: f.path, content: f.content })),
                // Mode as an octal string ("0400"), which the upload's `permissions` takes.
                ...(run.secretMounts ?? []).flatMap((m) =>
                    Object.entries(m.secret.files).map(([file, content]) => ({
                        file: `${m.mountPath}/${file}`,
                        content: pulumi.secret(content),
                        permissions: `0${m.mode.toString(8)}`,
                    })),
                ),
            ],
        };
    }

    deployGroup(spec: MemberGroupSpec, parent: pulumi.Resource): DeployedGroup {
        // Docker members are concrete (their own flags each); what a member helper does is a task here.
        if (spec.helper) throw new Error(`${spec.name}: a member helper is Kubernetes only (on Docker, run its steps as tasks)`);
        const first = spec.firstOrdinal ?? 0;
        const labels = { ...standardLabels(this.args.lab, spec.component, spec.name), ...selectorLabels(this.args.lab, spec.name) };
        const members: DeployedGroup["members"] = [];
        const ready: pulumi.Resource[] = [];
        for (let ordinal = first; ordinal < first + spec.replicas; ordinal++) {
            const name = this.memberHost(spec.name, ordinal);
            const identity = { name, host: name };
            const volume = spec.data
                ? new docker.Volume(
                      `${name}-data`,
                      { name: `${this.containerName(name)}-data`, labels: this.labelList(labels) },
                      // Data outlives the container: a destroy or scale-in leaves the volume.
                      { parent, retainOnDelete: true },
                  )
                : undefined;
            const container = new docker.Container(
                name,
                {
                    ...this.containerBase(
                        name,
                        { ...spec, args: spec.args(identity), env: { ...(spec.env ?? {}), ...(spec.secretEnv ?? {}) } },
                        { ...labels, "clusterlab.member": name },
                        [name, spec.name, ...(spec.clientServices ?? []).map((s) => s.name)],
                    ),
                    hostname: name,
                    restart: "unless-stopped",
                    ulimits: spec.openFilesLimit ? [{ name: "nofile", soft: spec.openFilesLimit, hard: spec.openFilesLimit }] : undefined,
                    ports: spec.ports
                        .filter((p) => p.hostPortBase !== undefined)
                        .map((p) => ({ internal: p.containerPort, external: p.hostPortBase! + ordinal, ip: "127.0.0.1" })),
                    volumes: volume ? [{ volumeName: volume.name, containerPath: spec.data!.mountPath }] : [],
                    healthcheck: spec.readiness ? dockerHealthcheck(spec.readiness) : undefined,
                    wait: spec.waitHealthy && spec.readiness && !spec.stopped ? true : undefined,
                    waitTimeout: spec.waitHealthy && spec.readiness && !spec.stopped ? 180 : undefined,
                    // A stopped member: created, not started, and not expected to run.
                    ...(spec.stopped ? { start: false, mustRun: false } : {}),
                },
                // Names and host ports are fixed, so the old container must go first
                // (pulumi-docker replaces create-before-delete by default: pulumi-docker#1356).
                // A `healthcheck` change reached the provider's state but not the running container
                // (seen with the real provider; Docker cannot change a container's healthcheck), so a
                // changed probe must replace the container;
                // `start` likewise only acts at create, so stopping or restarting a member replaces it.
                {
                    parent,
                    dependsOn: this.after(spec.dependsOn),
                    deleteBeforeReplace: true,
                    replaceOnChanges: ["healthcheck", "start", "mustRun"],
                },
            );
            members.push({ ordinal, name, host: name });
            ready.push(container);
            this.placed.push(container.urn);
        }
        return { members, ready };
    }

    settled(): pulumi.Output<void> {
        return pulumi.all(this.placed).apply(() => undefined);
    }

    /**
     * Builds an image from a Dockerfile in this repo for `linux/<arch>` and keeps it local
     * (`docker.Image` with `skipPush`); returns its name to run.
     */
    buildImage(spec: ImageBuildSpec, parent: pulumi.Resource): pulumi.Input<string> {
        const image = new docker.Image(
            `${spec.name}-build`,
            {
                imageName: `clusterlab/${spec.name}:${spec.tag}-${this.args.arch}`,
                build: { context: spec.context, platform: `linux/${this.args.arch}`, args: spec.buildArgs },
                skipPush: true,
            },
            { parent },
        );
        return image.imageName;
    }

    /**
     * What a resource waits for: each waited-for task as its exit gate ({@link runTask}), other
     * resources as they are.
     */
    private after(dependsOn?: pulumi.Resource[]): pulumi.Input<pulumi.Input<pulumi.Resource>[]> | undefined {
        return dependsOn?.map((d) => this.exitGates.get(d) ?? d);
    }

    runTask(spec: TaskSpec, parent: pulumi.Resource): pulumi.Resource {
        const labels = standardLabels(this.args.lab, spec.component, spec.name);
        const container = new docker.Container(
            spec.name,
            {
                ...this.containerBase(spec.name, spec, { ...labels, "clusterlab.task": spec.name }),
                // Runs once. Waited-for steps attach until the container exits (their retries live in
                // their own command); the rest restart on failure a bounded number of times.
                ...(spec.waitForCompletion
                    ? { attach: true, logs: true, restart: "no" }
                    : { restart: "on-failure", maxRetryCount: spec.retries ?? 5 }),
                mustRun: false,
            },
            { parent, dependsOn: this.after(spec.dependsOn), deleteBeforeReplace: true },
        );
        if (spec.waitForCompletion) {
            // pulumi-docker records an attached container's exit code and succeeds whatever it is
            // (kreuzwerker/terraform-provider-docker acceptance test `testAccDockerContainerExitCodeConfig`:
            // `exit 123` with `attach`, then `exit_code` = 123). What waits for the task waits for this
            // gate instead, which fails when the task exited non-zero, so nothing after a failed step is created.
            // The failed container stays in the stack with its exit code and unchanged inputs, so a later
            // `pulumi up` would not run it again by itself: the message says how.
            const containerName = this.containerName(spec.name);
            this.exitGates.set(
                container,
                pulumi.all([container.exitCode, container.urn]).apply(([code, urn]) => {
                    if (code !== undefined && code !== 0) {
                        throw new Error(
                            `task ${spec.name} exited ${code}: nothing that waits for it is created (docker logs ${containerName}); ` +
                                `once the cause is fixed, run it again with: pulumi up --replace '${urn}'`,
                        );
                    }
                    return container;
                }),
            );
        }
        this.placed.push(this.exitGates.get(container) ?? container.urn);
        return container;
    }
}

/**
 * What changing a member group's field does on Docker, and what Docker can do. pulumi-docker's
 * `Container` replaces the container for a change of image, command, env, uploads or ports (they
 * are create-only inputs), and every member of a group changes alike, so all are recreated at
 * once; a `Volume` has no size and no updatable input. Images are pulled per architecture, so
 * `arch` reaches every member's image.
 */
export const DOCKER_TRAITS: PlatformTraits = {
    effects: {
        image: "replacesAll",
        spec: "replacesAll",
        hostPorts: "replacesAll",
        volumeSize: "none",
        namespace: "none",
        storageClass: "none",
        cluster: "none",
    },
    capabilities: { buildImages: true, sizeVolumes: false, groupOwnedSecrets: false },
    placement: (config) => ({ image: { arch: config.arch } }),
    statefulTypes: {
        "docker:index/volume:Volume": /./,
        "docker:index/container:Container": /./,
    },
};
