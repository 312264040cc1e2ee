/** What every lab builder returns: stack outputs, plus what Observability is fed. */
import * as pulumi from "@pulumi/pulumi";
import { GuardState } from "../guard";

/** What a lab builder may need besides its config and platform. */
export interface LabContext {
    /** Stack name (etcd's `--initial-cluster-token`). */
    stack: string;
    /** The last deployment's guard state; undefined for a new stack. */
    previous?: GuardState;
}

/** The stack outputs of a lab: names → values users read after `pulumi up`. */
export type LabOutputs = Record<string, pulumi.Input<unknown>>;
