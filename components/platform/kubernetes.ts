/**
 * Kubernetes materialization: per group a headless Service (peer DNS), a StatefulSet with
 * volumeClaimTemplates (a Deployment when the group has no data), a client Service and a
 * PodDisruptionBudget; per task a Job.
 *
 * Field references: Kubernetes API `apps/v1 StatefulSet` (serviceName, ordinals.start — beta and
 * on by default from Kubernetes 1.27, GA in 1.31 —
 * persistentVolumeClaimRetentionPolicy), `policy/v1 PodDisruptionBudget`, `batch/v1 Job`;
 * provider: pulumi-kubernetes (`Provider.renderYamlToDirectory` renders instead of applying).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ConfigFile,
    contentHash,
    DeployedGroup,
    ImageBuildSpec,
    MemberGroupSpec,
    MemberState,
    MemberStateSpec,
    Platform,
    SecretFiles,
    SecretFilesSpec,
    TaskSpec,
    selectorLabels,
    standardLabels,
} from "./types";
import { DOWNWARD_ENV, addMemberHelper, fileKey, kubernetesProbe, mountSecrets, secretPodParts } from "./kubernetes-pod";

export { kubernetesProbe, secretPodParts } from "./kubernetes-pod";

/** Arguments of {@link KubernetesPlatform}. */
export interface KubernetesPlatformArgs {
    lab: string;
    /** Namespace created for the lab. */
    namespace: string;
    /** kubeconfig context; default: the current context. */
    context?: string;
    /** Render manifests to this directory instead of applying them (no cluster needed). */
    renderYamlToDirectory?: string;
    /** StorageClass for PVCs; default: the cluster's default class. */
    storageClassName?: string;
}

/**
 * The Kubernetes platform (`clusterlab:index:KubernetesPlatform`): owns the provider and the
 * lab's Namespace; groups and tasks are parented to the component that asks.
 */
export class KubernetesPlatform extends pulumi.ComponentResource implements Platform {
    public readonly provider: k8s.Provider;
    public readonly namespace: k8s.core.v1.Namespace;
    /** What {@link settled} waits for: StatefulSets, Deployments and Jobs, by URN (resolved once the provider's await ends). */
    private readonly placed: pulumi.Output<string>[] = [];

    constructor(
        name: string,
        private readonly args: KubernetesPlatformArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("clusterlab:index:KubernetesPlatform", name, {}, opts);
        this.provider = new k8s.Provider(
            `${name}-provider`,
            {
                context: args.context,
                renderYamlToDirectory: args.renderYamlToDirectory,
                enableServerSideApply: args.renderYamlToDirectory ? undefined : true,
            },
            { parent: this },
        );
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace, labels: { "app.kubernetes.io/part-of": `clusterlab-${args.lab}` } } },
            // Deleting a Namespace deletes its PVCs, whatever their retention policy.
            { parent: this, provider: this.provider, retainOnDelete: true },
        );
        this.registerOutputs({ namespace: args.namespace });
    }

    private get ns(): string {
        return this.args.namespace;
    }

    private opts(parent: pulumi.Resource, dependsOn?: pulumi.Resource[]): pulumi.CustomResourceOptions {
        return { parent, provider: this.provider, dependsOn: [this.namespace, ...(dependsOn ?? [])] };
    }

    /** A pod's DNS name under its group's headless Service. */
    private peerHost(group: string, pod: string): string {
        return `${pod}.${group}-peer.${this.ns}.svc.cluster.local`;
    }

    memberHost(group: string, ordinal: number): string {
        return this.peerHost(group, `${group}-${ordinal}`);
    }

    serviceHost(service: string): string {
        return `${service}.${this.ns}.svc.cluster.local`;
    }

    /** Through a port-forward to the Service: any ready pod behind it answers. */
    userUrl(service: string, containerPort: number, hostPort: number, path = ""): string {
        return `kubectl -n ${this.ns} port-forward svc/${service} ${hostPort}:${containerPort}  # then http://127.0.0.1:${hostPort}${path}`;
    }

    /**
     * Through a port-forward to the member's own pod (`kubectl port-forward pod/<member>`), so the
     * answer comes from that member and not from whichever pod a Service picks (kubectl reference,
     * `kubectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT`).
     */
    memberUrl(member: string, containerPort: number, hostPort: number, path = ""): string {
        return `kubectl -n ${this.ns} port-forward pod/${member} ${hostPort}:${containerPort}  # then http://127.0.0.1:${hostPort}${path}`;
    }

    taskLogsCommand(task: string): string {
        return `kubectl -n ${this.ns} logs -f job/${task}`;
    }

    /** Kubernetes pulls per node architecture; the reference is used as is. */
    image(ref: string): pulumi.Input<string> {
        return ref;
    }

    /**
     * Kubernetes cannot run an image that only exists on this machine.
     * @throws Error always: name a pushed image in config instead.
     */
    buildImage(spec: ImageBuildSpec): pulumi.Input<string> {
        throw new Error(
            `${spec.name}: no official image exists and Kubernetes cannot use a local build; build ${spec.context}/Dockerfile, push it, and set its reference in config`,
        );
    }

    /** The ConfigMap `<group>-start-state` (see {@link Platform.memberState}); a fixed name outside every pod template, so a change rolls no pod. */
    memberState(spec: MemberStateSpec, parent: pulumi.Resource): MemberState {
        const name = `${spec.group}-start-state`;
        const labels = { ...standardLabels(this.args.lab, spec.component, spec.group), ...selectorLabels(this.args.lab, spec.group) };
        const resource = new k8s.core.v1.ConfigMap(
            name,
            { metadata: { name, namespace: this.ns, labels }, data: spec.files },
            this.opts(parent),
        );
        return { name, resource };
    }

    /**
     * A Secret (`Opaque`, `stringData`) under its stable name; pulumi-kubernetes keeps a Secret's
     * data as a secret output in state. New data replaces the Secret (the provider's
     * `enableSecretMutable` is off by default; a fixed name makes it delete-then-create): running
     * pods keep the files they mounted, and the version annotation then rolls them onto the new ones.
     */
    secretFiles(spec: SecretFilesSpec, parent: pulumi.Resource): SecretFiles {
        const resource = new k8s.core.v1.Secret(
            spec.name,
            {
                metadata: { name: spec.name, namespace: this.ns, labels: standardLabels(this.args.lab, spec.component, spec.name) },
                type: "Opaque",
                stringData: spec.files,
            },
            this.opts(parent),
        );
        return { ...spec, resource };
    }

    /**
     * A ConfigMap holding `files`, named `<name>-files-<hash of its data>`: a content change gives
     * a new name, so the provider's replacement (pulumi-kubernetes replaces a ConfigMap whose `data`
     * changes unless the Provider's `enableConfigMapMutable` option is on) is create-before-delete
     * and the pods that mount it roll onto the new one; the same name would force delete-then-create.
     * Same convention as kustomize's `configMapGenerator` hash suffix (kubectl docs, "Generating
     * Resources"). Pulumi's own name for it stays `<name>-files`.
     * @returns the ConfigMap; mount it by its `metadata.name` output.
     */
    private filesConfigMap(name: string, component: string, files: ConfigFile[], parent: pulumi.Resource) {
        const data = pulumi
            .all(files.map((f) => pulumi.output(f.content).apply((content) => [fileKey(f.path), content] as const)))
            .apply((entries) => Object.fromEntries(entries) as Record<string, string>);
        const objectName = data.apply((d) => `${name}-files-${contentHash(JSON.stringify(Object.entries(d).sort()), 10)}`);
        return new k8s.core.v1.ConfigMap(
            `${name}-files`,
            {
                metadata: { name: objectName, namespace: this.ns, labels: standardLabels(this.args.lab, component, name) },
                data,
            },
            this.opts(parent),
        );
    }

    private podTemplate(spec: MemberGroupSpec, parent: pulumi.Resource) {
        const labels = { ...standardLabels(this.args.lab, spec.component, spec.name), ...selectorLabels(this.args.lab, spec.name) };
        const files = spec.files ?? [];
        const configMap = files.length ? this.filesConfigMap(spec.name, spec.component, files, parent) : undefined;
        const secret = spec.secretEnv
            ? new k8s.core.v1.Secret(
                  `${spec.name}-env`,
                  {
                      metadata: { name: `${spec.name}-env`, namespace: this.ns, labels },
                      stringData: spec.secretEnv,
                  },
                  this.opts(parent),
              )
            : undefined;
        const identity = { name: "$(POD_NAME)", host: this.peerHost(spec.name, "$(POD_NAME)") };
        // A config change rolls the pods (by hash), never the selector or claim templates.
        const configHash = pulumi.all(files.map((f) => f.content)).apply((contents) => contentHash(contents.join("\0"), 16));
        const template: k8s.types.input.core.v1.PodTemplateSpec = {
            metadata: { labels, annotations: files.length ? { "clusterlab.dev/config-hash": configHash } : undefined },
            spec: {
                securityContext: spec.fsGroup !== undefined ? { fsGroup: spec.fsGroup } : undefined,
                containers: [
                    {
                        name: spec.component,
                        image: spec.image,
                        command: spec.command,
                        args: spec.args(identity),
                        env: [
                            ...DOWNWARD_ENV,
                            ...Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value })),
                            ...Object.keys(spec.secretEnv ?? {}).map((name) => ({
                                name,
                                valueFrom: { secretKeyRef: { name: `${spec.name}-env`, key: name } },
                            })),
                        ],
                        ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.containerPort })),
                        readinessProbe: spec.readiness ? kubernetesProbe(spec.readiness) : undefined,
                        livenessProbe: spec.liveness ? kubernetesProbe(spec.liveness) : undefined,
                        volumeMounts: [
                            ...(spec.data ? [{ name: "data", mountPath: spec.data.mountPath }] : []),
                            ...files.map((f) => ({ name: "files", mountPath: f.path, subPath: fileKey(f.path) })),
                        ],
                    },
                ],
                volumes: configMap ? [{ name: "files", configMap: { name: configMap.metadata.name } }] : undefined,
            },
        };
        // Mounted by its plain name, never the resource's output: a replaced ConfigMap's name is unknown
        // at preview, which the engine would show as a change of the pod template (a StatefulSet replace).
        const state = spec.helper?.state?.from;
        if (spec.helper) addMemberHelper(template, spec.helper, identity, spec.data?.mountPath);
        const secretDeps = mountSecrets(template, spec.secretMounts);
        return {
            labels,
            template,
            deps: [configMap, secret, state?.resource, ...secretDeps].filter((r): r is NonNullable<typeof r> => !!r),
        };
    }

    deployGroup(spec: MemberGroupSpec, parent: pulumi.Resource): DeployedGroup {
        const first = spec.firstOrdinal ?? 0;
        const { labels, template, deps } = this.podTemplate(spec, parent);
        const selector = selectorLabels(this.args.lab, spec.name);
        const servicePorts = spec.ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.containerPort }));
        const ready: pulumi.Resource[] = [];

        if (spec.data || spec.stableIdentity) {
            // Peer DNS for `<pod>.<group>-peer`; published before readiness so members can find each other to bootstrap.
            const peer = new k8s.core.v1.Service(
                `${spec.name}-peer`,
                {
                    metadata: { name: `${spec.name}-peer`, namespace: this.ns, labels },
                    spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: servicePorts },
                },
                this.opts(parent),
            );
            const sts = new k8s.apps.v1.StatefulSet(
                spec.name,
                {
                    metadata: { name: spec.name, namespace: this.ns, labels },
                    spec: {
                        serviceName: `${spec.name}-peer`,
                        // A stopped group (the app cluster's fault drill) keeps its PVCs and Services at 0 pods.
                        replicas: spec.stopped ? 0 : spec.replicas,
                        ordinals: first ? { start: first } : undefined,
                        podManagementPolicy: "Parallel",
                        selector: { matchLabels: selector },
                        template,
                        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                        volumeClaimTemplates: spec.data
                            ? [
                                  {
                                      metadata: { name: "data", labels: selector },
                                      spec: {
                                          accessModes: ["ReadWriteOnce"],
                                          storageClassName: this.args.storageClassName,
                                          resources: { requests: { storage: `${spec.data.sizeGiB}Gi` } },
                                      },
                                  },
                              ]
                            : undefined,
                    },
                },
                this.opts(parent, [...deps, peer, ...(spec.dependsOn ?? [])]),
            );
            new k8s.policy.v1.PodDisruptionBudget(
                `${spec.name}-pdb`,
                {
                    metadata: { name: spec.name, namespace: this.ns, labels },
                    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
                },
                this.opts(parent),
            );
            ready.push(sts);
        } else {
            const deployment = new k8s.apps.v1.Deployment(
                spec.name,
                {
                    metadata: { name: spec.name, namespace: this.ns, labels },
                    spec: { replicas: spec.stopped ? 0 : spec.replicas, selector: { matchLabels: selector }, template },
                },
                this.opts(parent, [...deps, ...(spec.dependsOn ?? [])]),
            );
            ready.push(deployment);
        }

        for (const svc of [{ name: spec.name, ports: spec.ports.map((p) => p.name) }, ...(spec.clientServices ?? [])]) {
            new k8s.core.v1.Service(
                svc.name === spec.name ? `${spec.name}-client` : svc.name,
                {
                    metadata: { name: svc.name, namespace: this.ns, labels },
                    spec: { type: "ClusterIP", selector, ports: servicePorts.filter((p) => svc.ports.includes(p.name)) },
                },
                this.opts(parent),
            );
        }

        this.placed.push(...ready.map((r) => r.urn));
        const members = Array.from({ length: spec.replicas }, (_, i) => {
            const ordinal = first + i;
            return { ordinal, name: `${spec.name}-${ordinal}`, host: this.memberHost(spec.name, ordinal) };
        });
        return { members, ready };
    }

    runTask(spec: TaskSpec, parent: pulumi.Resource): pulumi.Resource {
        const labels = standardLabels(this.args.lab, spec.component, spec.name);
        const files = spec.files ?? [];
        const configMap = files.length ? this.filesConfigMap(spec.name, spec.component, files, parent) : undefined;
        const secrets = secretPodParts(spec.secretMounts);
        const job = new k8s.batch.v1.Job(
            spec.name,
            {
                metadata: {
                    name: spec.name,
                    namespace: this.ns,
                    labels,
                    // A load generator runs for minutes; `pulumi up` should not wait for it.
                    annotations: spec.waitForCompletion ? undefined : { "pulumi.com/skipAwait": "true" },
                },
                spec: {
                    backoffLimit: spec.retries ?? 6,
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "OnFailure",
                            containers: [
                                {
                                    name: spec.component,
                                    image: spec.image,
                                    command: spec.command,
                                    args: spec.args,
                                    env: Object.entries(spec.env ?? {}).map(([name, value]) => ({ name, value })),
                                    volumeMounts: [
                                        ...files.map((f) => ({ name: "files", mountPath: f.path, subPath: fileKey(f.path) })),
                                        ...secrets.volumeMounts,
                                    ],
                                },
                            ],
                            volumes:
                                configMap || secrets.volumes.length
                                    ? [
                                          ...(configMap ? [{ name: "files", configMap: { name: configMap.metadata.name } }] : []),
                                          ...secrets.volumes,
                                      ]
                                    : undefined,
                        },
                    },
                },
            },
            {
                ...this.opts(parent, [...(configMap ? [configMap] : []), ...secrets.deps, ...(spec.dependsOn ?? [])]),
                ...(spec.timeoutSeconds
                    ? { customTimeouts: { create: `${spec.timeoutSeconds}s`, update: `${spec.timeoutSeconds}s` } }
                    : {}),
            },
        );
        this.placed.push(job.urn);
        return job;
    }

    settled(): pulumi.Output<void> {
        return pulumi.all(this.placed).apply(() => undefined);
    }
}
