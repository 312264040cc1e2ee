/**
 * The one registry of labs: each entry is a lab's folder (labs/<lab>/index.ts). The stack
 * config's `lab:` values, the config schema, the builders, the guard's rules and Pulumi.yaml's
 * description of `lab` (checked by tests/labs-registry.test.ts) all come from this list.
 * Adding a lab: a folder with its definition, and one line here.
 */
import { appclusterLab } from "./appcluster";
import { cdcLab } from "./cdc";
import { crdbLab } from "./crdb";
import { etcdLab } from "./etcd";
import { tikvLab } from "./tikv";
import type { LabDefinition } from "./types";

/** Every lab, in the order error messages list them. */
export const LAB_DEFINITIONS = [tikvLab, crdbLab, etcdLab, cdcLab, appclusterLab] as const;

/** The definition of lab `name`, from the registry or labs added by {@link registerLab}. */
export function labDefinition(name: string): LabDefinition | undefined {
    return allLabs().find((l) => l.name === name);
}

/** Labs registered at run time (tests register test-only labs this way). */
const EXTRA: LabDefinition[] = [];

/**
 * Adds a lab at run time, as a test does for a test-only lab: it joins the config schema, the
 * builders and the guard like a registered one.
 * @throws Error when a lab of that name exists.
 */
export function registerLab(definition: LabDefinition): void {
    if (labDefinition(definition.name)) throw new Error(`lab ${definition.name} is already registered`);
    EXTRA.push(definition);
}

/** Removes a lab added by {@link registerLab} (a test's cleanup). */
export function unregisterLab(name: string): void {
    const i = EXTRA.findIndex((l) => l.name === name);
    if (i >= 0) EXTRA.splice(i, 1);
}

/** The registered labs, then those added by {@link registerLab}. */
export function allLabs(): readonly LabDefinition[] {
    return [...(LAB_DEFINITIONS as readonly LabDefinition[]), ...EXTRA];
}
