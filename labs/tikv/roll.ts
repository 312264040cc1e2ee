/**
 * The TiKV lab's rolling restarts on Docker as chained tasks (labs/roll.ts): PD first, one member
 * at a time (`pd-roll-<spec>-<k>`: leader off → replace → healthy), then the stores, one at a time
 * (`tikv-roll-<spec>-<k>`: evict-leader → replace → Up, scheduler removed), the order TiUP upgrades
 * a cluster in (PD before TiKV: docs.pingcap.com/tidb/stable/upgrade-tidb-using-tiup). The tasks
 * run in the lab's PD image, which ships `/pd-ctl` and a shell (labs/tikv/scale-in.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../../components/platform";
import { ChainStep, chainSteps } from "../roll";
import { pdRollingRestart, tikvRollingRestart } from "./membership";
import { pdStepTarget } from "./scale-in";

/** What a roll of one group needs. */
export interface TikvRollArgs {
    platform: Platform;
    /** The PD image of the new version (pd-ctl). */
    pdImage: pulumi.Input<string>;
    /** `pd.bootstrapMembers` (member names). */
    pdBootstrapMembers: number;
    /** The group's new spec digest (labs/tikv/member-spec.ts); its first 8 hex name the tasks. */
    revision: string;
}

/** The chain of a PD rolling restart over `members` members (labs/tikv/membership.ts `pdRollingRestart`). */
export function pdRollSteps(args: TikvRollArgs, members: number): ChainStep[] {
    return chainSteps(
        pdRollingRestart(pdStepTarget(args.platform, args.pdBootstrapMembers), members),
        `pd-roll-${args.revision.slice(0, 8)}`,
        {
            component: "pd-ctl",
            image: args.pdImage,
        },
    );
}

/** The chain of a store rolling restart over `stores` stores (labs/tikv/membership.ts `tikvRollingRestart`). */
export function tikvRollSteps(args: TikvRollArgs, stores: number): ChainStep[] {
    return chainSteps(
        tikvRollingRestart(pdStepTarget(args.platform, args.pdBootstrapMembers), stores),
        `tikv-roll-${args.revision.slice(0, 8)}`,
        { component: "pd-ctl", image: args.pdImage },
    );
}
