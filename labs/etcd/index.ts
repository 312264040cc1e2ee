/** The etcd metrics lab: members, fault scenarios with failpoints, the etcd benchmark. */
import { ANYWHERE } from "../../components/guard-rules";
import { defineLab } from "../types";
import { ETCD_HOST_PORTS, EtcdLabConfig, etcdCrossChecks } from "./config";
import { buildEtcdLab } from "./lab";

/** The etcd lab's definition (registered in labs/index.ts). */
export const etcdLab = defineLab({
    name: "etcd",
    schema: EtcdLabConfig,
    hostPorts: ETCD_HOST_PORTS,
    crossChecks: etcdCrossChecks,
    build: buildEtcdLab,
    guard: {
        counts: [],
        // etcd members all bootstrap from one --initial-cluster; another count rewrites every member
        // (scale-out needs `etcdctl member add` first, which this lab does not automate).
        replacing: [
            ...ANYWHERE,
            { path: "etcd.storageGiB", on: "kubernetes" },
            { path: "etcd.members" },
            // A failpoint build replaces the official image, version and all.
            { path: "etcd.version", on: "docker", unless: "etcd.failpointImage" },
            { path: "etcd.failpointImage", on: "docker" },
            // GOFAIL_HTTP in every member's env, set only with a failpoint build.
            { path: "etcd.failpointPort", on: "docker", when: "etcd.failpointImage" },
            { path: "etcd.quotaBackendBytes", on: "docker" },
            { path: "etcd.clientHostPort", on: "docker" },
            { path: "arch", on: "docker" },
        ],
    },
});
