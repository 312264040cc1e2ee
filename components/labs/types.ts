/** What every lab builder returns: stack outputs, plus what Observability is fed. */
import * as pulumi from "@pulumi/pulumi";

/** The stack outputs of a lab: names → values users read after `pulumi up`. */
export type LabOutputs = Record<string, pulumi.Input<unknown>>;
