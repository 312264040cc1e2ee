/** The etcd metrics lab: members, fault scenarios with failpoints, the etcd benchmark. */
import { replacedBy } from "../../components/guard-words";
import { defineLab } from "../types";
import { ETCD_HOST_PORTS, EtcdLabConfig, etcdCrossChecks } from "./config";
import { buildEtcdLab } from "./lab";
import { STEPS_IMAGE_KEY, etcdMemberCountProblems, etcdRemember, etcdStepsImageProblems, etcdTransitionProblems } from "./transitions";
import { etcdMembership, rememberMembership } from "./joins";
import { ETCD_ROLLED_FIELDS, etcdMemberFields, etcdMemberSpec } from "./member-spec";

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
            scaleIn: { path: "etcd.members", removes: "members holding data", allow: "etcd.allowScaleIn" },
            fields: etcdMemberFields(c),
            // On Docker the lab replaces members one at a time through its roll steps; Kubernetes rolls the StatefulSet.
            rolls: { fields: ETCD_ROLLED_FIELDS, spec: etcdMemberSpec(c) },
        },
    ],
    remember: (c, previous) => ({
        "etcd.members": c.etcd.members,
        "etcd.peerProxies": c.etcd.peerProxies,
        [STEPS_IMAGE_KEY]: c.etcd.stepsImage ?? null,
        ...etcdRemember(c),
        // Who bootstrapped and each joiner's data directory (labs/etcd/joins.ts).
        ...rememberMembership(etcdMembership(c.etcd.members, previous)),
    }),
    transitionProblems: (previous, next) => [
        // Joins and removals are tasks on Docker; where they cannot run, another count is refused (labs/etcd/transitions.ts).
        ...etcdMemberCountProblems(previous, next),
        ...etcdStepsImageProblems(previous, next),
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
