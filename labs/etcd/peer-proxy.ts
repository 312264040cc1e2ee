/**
 * One stateless peer proxy per etcd member (`clusterlab:index:EtcdPeerProxies`), its own
 * member group `etcd-peer-proxy`: proxy N listens on the peer port and forwards to member N's
 * peer port; member N advertises `http://<proxy N>:2380` (etcd `tools/local-tester/Procfile`
 * topology). Each proxy's flags come from the scenario ({@link proxyFlags}), so switching a
 * network scenario replaces (Docker) or rolls (Kubernetes) proxies only; no data, no volume.
 * No official image: docker/etcd-peer-proxy/Dockerfile builds one (Docker), or config names one.
 */
import * as pulumi from "@pulumi/pulumi";
import { imageSource, resolveImage } from "../../components/images";
import { ETCD_PEER_PORT } from "./etcd-cluster";
import { NetworkSettings, proxyFlags } from "./network";
import { Platform } from "../../components/platform";

/** The proxies' member group name (and host stem). */
export const PEER_PROXY_GROUP = "etcd-peer-proxy";

/** Where the proxy image is built when config names none. */
export const PEER_PROXY_BUILD = { name: "etcd-peer-proxy", context: "docker/etcd-peer-proxy", tag: "v1" };

/**
 * Member hosts of `group` with `{ordinal}` in place of the ordinal: the platform's host of
 * ordinal 0 with its `<group>-0` replaced (`etcd-0` → `etcd-{ordinal}`, and the Kubernetes
 * `etcd-0.etcd-peer.…` likewise).
 */
export function hostTemplate(platform: Pick<Platform, "memberHost">, group: string): string {
    return platform.memberHost(group, 0).replace(`${group}-0`, `${group}-{ordinal}`);
}

/** The peer host member `ordinal` advertises: its proxy's, on `platform`. */
export function proxyHost(platform: Pick<Platform, "memberHost">, ordinal: number): string {
    return platform.memberHost(PEER_PROXY_GROUP, ordinal);
}

/** Arguments of {@link EtcdPeerProxies}. */
export interface EtcdPeerProxiesArgs {
    platform: Platform;
    members: number;
    scenario: string;
    settings: NetworkSettings;
    /** Pinned image; built from {@link PEER_PROXY_BUILD} when unset (Docker only). */
    image?: string;
    /**
     * Member N's peer host with `{ordinal}` for N (`etcd-{ordinal}`, `etcd-{ordinal}.etcd-peer.ns.svc.cluster.local`):
     * what proxy N forwards to; the proxy fills in its own ordinal.
     */
    memberHostTemplate: string;
    /** What the proxies wait for (the switch step, when they bring a fault). */
    dependsOn?: pulumi.Resource[];
}

/** The proxies. */
export class EtcdPeerProxies extends pulumi.ComponentResource {
    /** The peer URL each member advertises (its proxy's), by ordinal. */
    public readonly advertised: string[];
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: EtcdPeerProxiesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:EtcdPeerProxies", name, {}, opts);
        const { platform } = args;
        this.advertised = Array.from({ length: args.members }, (_, i) => `http://${proxyHost(platform, i)}:${ETCD_PEER_PORT}`);
        const image = resolveImage(platform, imageSource(args.image, PEER_PROXY_BUILD), this);
        const group = platform.deployGroup(
            {
                name: PEER_PROXY_GROUP,
                component: "peer-proxy",
                replicas: args.members,
                image,
                command: ["/usr/local/bin/etcd-peer-proxy"],
                // Same list for every proxy (m.name is `$(POD_NAME)` on Kubernetes); the proxy fills in `{ordinal}`.
                args: (m) => [
                    ...proxyFlags(args.scenario, this.advertised, args.settings),
                    `-name=${m.name}`,
                    `-advertised=http://${m.host}:${ETCD_PEER_PORT}`,
                    `0.0.0.0:${ETCD_PEER_PORT}`,
                    `${args.memberHostTemplate}:${ETCD_PEER_PORT}`,
                ],
                ports: [{ name: "peer", containerPort: ETCD_PEER_PORT }],
                // Proxy N is addressed by ordinal (members advertise it): a StatefulSet on Kubernetes.
                stableIdentity: true,
                dependsOn: args.dependsOn,
            },
            this,
        );
        this.ready = group.ready;
        this.registerOutputs({ advertised: this.advertised });
    }
}
