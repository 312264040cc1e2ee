/**
 * Composes a lab from a parsed stack config: the platform, then the lab's components.
 * One builder per lab, chosen from a table.
 */
import * as pulumi from "@pulumi/pulumi";
import { CrdbLabConfig, EtcdLabConfig, StackConfig, TikvLabConfig } from "./config";
import { GuardState } from "./guard";
import { createPlatform } from "./platform";
import { buildCrdbLab } from "./labs/crdb-lab";
import { buildEtcdLab } from "./labs/etcd-lab";
import { buildTikvLab } from "./labs/tikv-lab";
import { LabOutputs } from "./labs/types";

type Builder<C> = (
    config: C,
    platform: ReturnType<typeof createPlatform> & pulumi.Resource,
    stack: string,
    previous?: GuardState,
) => LabOutputs;

const BUILDERS: { tikv: Builder<TikvLabConfig>; crdb?: Builder<CrdbLabConfig>; etcd?: Builder<EtcdLabConfig> } = {
    tikv: buildTikvLab,
    etcd: buildEtcdLab,
    crdb: buildCrdbLab,
};

/**
 * Registers every resource of the lab a config describes.
 * @param stack stack name (prefixes Docker names).
 * @param previous the last deployment's guard state (undefined for a new stack).
 * @returns the stack outputs.
 * @throws Error when the lab has no builder yet.
 */
export function buildLab(config: StackConfig, stack: string, previous?: GuardState): LabOutputs {
    const platform = createPlatform(config, stack) as ReturnType<typeof createPlatform> & pulumi.Resource;
    const builder = BUILDERS[config.lab] as Builder<StackConfig> | undefined;
    if (!builder) throw new Error(`lab "${config.lab}" is not built yet`);
    return { platform: config.platform, ...builder(config, platform, stack, previous) };
}
