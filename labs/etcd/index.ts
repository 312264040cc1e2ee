/** The etcd metrics lab: members, fault scenarios with failpoints, the etcd benchmark. */
import { replacedBy } from "../../components/guard-words";
import { defineLab } from "../types";
import { ETCD_HOST_PORTS, EtcdLabConfig, etcdCrossChecks } from "./config";
import { buildEtcdLab } from "./lab";
import { etcdRemember, etcdTransitionProblems } from "./transitions";

/** The etcd lab's definition (registered in labs/index.ts). */
export const etcdLab = defineLab({
    name: "etcd",
    schema: EtcdLabConfig,
    hostPorts: ETCD_HOST_PORTS,
    crossChecks: etcdCrossChecks,
    build: buildEtcdLab,
    groups: (c) => [
        {
            name: "etcd",
            members: c.etcd.members,
            stateful: true,
            fields: {
                // A failpoint build replaces the official image, version and all.
                image: {
                    "etcd.version": c.etcd.failpointImage ? null : c.etcd.version,
                    "etcd.failpointImage": c.etcd.failpointImage ?? null,
                },
                // GOFAIL_HTTP is in every member's env only with a failpoint build.
                spec: {
                    "etcd.failpointPort": c.etcd.failpointImage ? c.etcd.failpointPort : null,
                    "etcd.quotaBackendBytes": c.etcd.quotaBackendBytes,
                },
                hostPorts: { "etcd.clientHostPort": c.etcd.clientHostPort },
                volumeSize: { "etcd.storageGiB": c.etcd.storageGiB },
            },
        },
    ],
    remember: (c) => ({ "etcd.members": c.etcd.members, "etcd.peerProxies": c.etcd.peerProxies, ...etcdRemember(c) }),
    // Every member bootstraps from one --initial-cluster; scale-out needs `etcdctl member add` first,
    // which this lab does not automate, so another count rewrites every member.
    transitionProblems: (previous, next) => [
        ...replacedBy(previous, next, "etcd.members", "rewrites every member's --initial-cluster"),
        // Every member advertises its proxy's peer URL with proxies on, its own without. A deployment
        // remembered before the key existed ran without proxies.
        ...replacedBy(
            "etcd.members" in previous ? { "etcd.peerProxies": false, ...previous } : previous,
            next,
            "etcd.peerProxies",
            "changes every member's advertised peer URL",
        ),
        // Quorum and one-minor-at-a-time upgrades (labs/etcd/transitions.ts).
        ...etcdTransitionProblems(previous, next),
    ],
});
