/** Pod parts the Kubernetes platform builds from neutral specs: probes, secret volumes, downward env, ConfigMap keys. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HealthProbe, MemberHelperSpec, MemberIdentity, SecretMount } from "./types";

/** The pod's own name and namespace as env (Kubernetes downward API: `fieldRef` `metadata.name`, `metadata.namespace`). */
export const DOWNWARD_ENV: k8s.types.input.core.v1.EnvVar[] = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
];

/** A Kubernetes probe for a neutral probe. */
export function kubernetesProbe(probe: HealthProbe): k8s.types.input.core.v1.Probe {
    const timing = {
        periodSeconds: probe.periodSeconds ?? 5,
        failureThreshold: probe.failureThreshold ?? 6,
        initialDelaySeconds: probe.initialDelaySeconds ?? 5,
        timeoutSeconds: 3,
    };
    return "http" in probe
        ? { httpGet: { port: probe.http.port, path: probe.http.path, scheme: probe.http.scheme }, ...timing }
        : { exec: { command: probe.exec }, ...timing };
}

/**
 * Pod parts for secret file sets: one `secret` volume per mount with `defaultMode` (the API's
 * JSON has no octal: 0o400 is 256; Kubernetes docs, "Secrets" → "Secret files permissions"),
 * its mount (read-only), and an annotation per set carrying its version, so new contents roll
 * the pods (a Secret update alone is not seen by a process that read its files at start).
 */
export function secretPodParts(mounts: SecretMount[] = []) {
    return {
        volumes: mounts.map((m, i) => ({ name: `secret-${i}`, secret: { secretName: m.secret.name, defaultMode: m.mode } })),
        volumeMounts: mounts.map((m, i) => ({ name: `secret-${i}`, mountPath: m.mountPath, readOnly: true })),
        annotations: Object.fromEntries(mounts.map((m) => [`clusterlab.dev/secret-${m.secret.name}`, m.secret.version])),
        deps: mounts.map((m) => m.secret.resource).filter((r): r is pulumi.Resource => !!r),
    };
}

/** Adds {@link secretPodParts} to a built pod template (its first container mounts them); returns the Secrets to wait for. */
export function mountSecrets(template: k8s.types.input.core.v1.PodTemplateSpec, mounts?: SecretMount[]): pulumi.Resource[] {
    if (!mounts?.length) return [];
    const parts = secretPodParts(mounts);
    const meta = template.metadata as { annotations?: Record<string, pulumi.Input<string>> };
    meta.annotations = { ...(meta.annotations ?? {}), ...parts.annotations };
    const pod = template.spec as k8s.types.input.core.v1.PodSpec;
    pod.volumes = [...((pod.volumes as k8s.types.input.core.v1.Volume[]) ?? []), ...parts.volumes];
    const container = (pod.containers as k8s.types.input.core.v1.Container[])[0];
    container.volumeMounts = [...((container.volumeMounts as k8s.types.input.core.v1.VolumeMount[]) ?? []), ...parts.volumeMounts];
    return parts.deps;
}

/** ConfigMap key for a file path (`/etc/prometheus/prometheus.yml` → `etc-prometheus-prometheus.yml`). */
export function fileKey(path: string): string {
    return path.replace(/^\/+/, "").replace(/[^A-Za-z0-9._-]+/g, "-");
}

/**
 * Adds a member's helper to a built pod template: `before` as an init container, `beside` as a
 * second container (after the member, which stays first), both with the downward env, the
 * helper's env for `member`, the data volume at `dataPath`, an `emptyDir` named `start` at
 * `helper.sharedPath`, which the member mounts too, and the state's ConfigMap (read-only, by its plain name)
 * at `helper.state.path`. The preStop scripts become `exec` lifecycle hooks, which the kubelet runs
 * in the container's environment without expanding `$(VAR)` (Kubernetes docs, "Container Lifecycle
 * Hooks"); init containers run to completion before the app containers start, and a failing one is
 * restarted with back-off under `restartPolicy: Always` ("Init Containers").
 */
export function addMemberHelper(
    template: k8s.types.input.core.v1.PodTemplateSpec,
    helper: MemberHelperSpec,
    member: MemberIdentity,
    dataPath?: string,
): void {
    const pod = template.spec as k8s.types.input.core.v1.PodSpec;
    const shared = { name: "start", mountPath: helper.sharedPath };
    const state = helper.state ? [{ name: "start-state", mountPath: helper.state.path, readOnly: true }] : [];
    const mounts = [...(dataPath ? [{ name: "data", mountPath: dataPath }] : []), shared, ...state];
    const env = [...DOWNWARD_ENV, ...Object.entries(helper.env?.(member) ?? {}).map(([name, value]) => ({ name, value }))];
    const preStop = (script?: string) => (script ? { preStop: { exec: { command: ["/bin/sh", "-c", script] } } } : undefined);
    const container = (step: {
        name: string;
        script: string;
        readiness?: HealthProbe;
        preStop?: string;
    }): k8s.types.input.core.v1.Container => ({
        name: step.name,
        image: helper.image,
        command: ["/bin/sh", "-c", step.script],
        env,
        volumeMounts: mounts,
        readinessProbe: step.readiness ? kubernetesProbe(step.readiness) : undefined,
        lifecycle: preStop(step.preStop),
    });
    const containers = pod.containers as k8s.types.input.core.v1.Container[];
    const first = containers[0];
    first.volumeMounts = [...((first.volumeMounts as k8s.types.input.core.v1.VolumeMount[]) ?? []), shared];
    if (helper.memberPreStop) first.lifecycle = preStop(helper.memberPreStop);
    if (helper.stopGraceSeconds !== undefined) pod.terminationGracePeriodSeconds = helper.stopGraceSeconds;
    if (helper.before) pod.initContainers = [container(helper.before)];
    if (helper.beside) containers.push(container(helper.beside));
    pod.volumes = [
        ...((pod.volumes as k8s.types.input.core.v1.Volume[]) ?? []),
        { name: "start", emptyDir: {} },
        ...(helper.state ? [{ name: "start-state", configMap: { name: helper.state.from.name } }] : []),
    ];
}
