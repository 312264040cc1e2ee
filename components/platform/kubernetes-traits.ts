/**
 * What changing a member group's field does on Kubernetes, and what Kubernetes can do.
 *
 * A StatefulSet rolls its pods one at a time on a template change (image, args, env, ports:
 * Kubernetes "StatefulSet update strategies", RollingUpdate); host ports are not published.
 * The API server refuses to update a StatefulSet's other spec fields ("updates to statefulset
 * spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',
 * 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", kubernetes
 * `pkg/apis/apps/validation/validation.go`), so a new volume size or storage class in the
 * volumeClaimTemplates replaces the StatefulSet and its claims; a new namespace re-creates every
 * object; a provider pointed at another cluster or render directory replaces every resource it
 * manages (pulumi-kubernetes `provider/pkg/provider/provider.go`, `DiffConfig`).
 */
import { PlatformTraits } from "./effects";

/** Kubernetes's {@link PlatformTraits}. */
export const KUBERNETES_TRAITS: PlatformTraits = {
    effects: {
        image: "rolls",
        spec: "rolls",
        hostPorts: "none",
        volumeSize: "replacesVolume",
        namespace: "replacesAll",
        storageClass: "replacesVolume",
        cluster: "replacesAll",
    },
    capabilities: { buildImages: false, sizeVolumes: true, groupOwnedSecrets: true },
    placement: (config) => ({
        namespace: { "kubernetes.namespace": config.kubernetes.namespace },
        storageClass: { "kubernetes.storageClassName": config.kubernetes.storageClassName ?? null },
        cluster: {
            "kubernetes.context": config.kubernetes.context ?? null,
            "kubernetes.renderYamlToDirectory": config.kubernetes.renderYamlToDirectory ?? null,
        },
    }),
    statefulTypes: {
        "kubernetes:apps/v1:StatefulSet":
            /^(metadata\.(name|namespace)|spec\.(?!replicas\b|ordinals\b|template\b|updateStrategy\b|persistentVolumeClaimRetentionPolicy\b|minReadySeconds\b))/,
        "kubernetes:core/v1:PersistentVolumeClaim": /^(metadata\.(name|namespace)|spec\.(?!resources\.requests\.storage))/,
        "kubernetes:core/v1:PersistentVolume": /^(metadata\.name|spec\.(?!capacity|persistentVolumeReclaimPolicy))/,
        "kubernetes:core/v1:Namespace": /^metadata\.name$/,
        "pulumi:providers:kubernetes": /^(context|kubeconfig|cluster|renderYamlToDirectory)$/,
    },
};
