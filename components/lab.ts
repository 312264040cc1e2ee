/**
 * Composes a lab from a parsed stack config: the platform, then the lab's components.
 * One builder per lab, chosen from a table.
 */
import { StackConfig } from "./config";
import { GuardState } from "./guard";
import { Platform, createPlatform } from "./platform";
import { buildCdcLab } from "./labs/cdc-lab";
import { buildCrdbLab } from "./labs/crdb-lab";
import { buildEtcdLab } from "./labs/etcd-lab";
import { buildTikvLab } from "./labs/tikv-lab";
import { buildAppClusterLab } from "./appcluster/lab";
import { LabContext, LabOutputs } from "./labs/types";

type Builder<C> = (config: C, platform: Platform, context: LabContext) => LabOutputs;

const BUILDERS: { [L in StackConfig["lab"]]: Builder<Extract<StackConfig, { lab: L }>> } = {
    tikv: buildTikvLab,
    etcd: buildEtcdLab,
    crdb: buildCrdbLab,
    cdc: buildCdcLab,
    appcluster: buildAppClusterLab,
};

/**
 * Registers every resource of the lab a config describes.
 * @param stack stack name (prefixes Docker names).
 * @param previous the last deployment's guard state (undefined for a new stack).
 * @returns the stack outputs.
 */
export function buildLab(config: StackConfig, stack: string, previous?: GuardState): LabOutputs {
    const builder = BUILDERS[config.lab] as Builder<StackConfig>;
    return { platform: config.platform, ...builder(config, createPlatform(config, stack), { stack, previous }) };
}
