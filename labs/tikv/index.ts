/** The TiKV lab: 3 PD + 3 TiKV by default, Prometheus, Grafana, go-ycsb. */
import { replacedBy } from "../../components/guard-words";
import { defineLab } from "../types";
import { TIKV_HOST_PORTS, TikvLabConfig, tikvCrossChecks } from "./config";
import { buildTikvLab } from "./lab";
import { tikvRemember, tikvTransitionProblems } from "./transitions";
import { TIKV_ROLLED_FIELDS, pdMemberFields, pdMemberSpec, tikvMemberFields, tikvMemberSpec } from "./member-spec";

/** The TiKV lab's definition (registered in labs/index.ts). */
export const tikvLab = defineLab({
    name: "tikv",
    schema: TikvLabConfig,
    hostPorts: TIKV_HOST_PORTS,
    crossChecks: tikvCrossChecks,
    build: buildTikvLab,
    groups: (c) => [
        {
            name: "pd",
            members: c.pd.members,
            stateful: true,
            scaleIn: { path: "pd.members", removes: "PD members holding data", allow: "pd.allowScaleIn" },
            fields: pdMemberFields(c),
            // On Docker the lab replaces members one at a time (labs/tikv/roll.ts); Kubernetes rolls the StatefulSet.
            rolls: { fields: TIKV_ROLLED_FIELDS, spec: pdMemberSpec(c) },
        },
        {
            name: "tikv",
            members: c.tikv.stores,
            stateful: true,
            scaleIn: { path: "tikv.stores", removes: "stores holding data", allow: "tikv.allowScaleIn" },
            fields: tikvMemberFields(c),
            rolls: { fields: TIKV_ROLLED_FIELDS, spec: tikvMemberSpec(c) },
        },
    ],
    remember: (c) => ({ "pd.bootstrapMembers": c.pd.bootstrapMembers, ...tikvRemember(c) }),
    transitionProblems: (previous, next) => [
        // The bootstrap members are every PD member's --initial-cluster: another count re-bootstraps them all.
        ...replacedBy(previous, next, "pd.bootstrapMembers", "re-bootstraps every PD member (--initial-cluster)"),
        // Quorum and max-replicas protect data whatever allowScaleIn says (labs/tikv/transitions.ts).
        ...tikvTransitionProblems(previous, next),
    ],
});
