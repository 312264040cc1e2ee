/**
 * The URN set of every ready-made stack, and of each stack with one optional key set, as the
 * program registers it under mocks (tests/support/evaluate.ts). Recorded once into
 * `tests/fixtures/urns/<stack>.json` by `scripts/record-urns.ts` and compared by
 * tests/urns.test.ts: a moved file, a renamed component or a changed parent that would make
 * Pulumi delete and re-create a deployed resource changes a URN here.
 *
 * A URN is `urn:pulumi:<stack>::clusterlab::<parent type chain>$<type>::<name>`, as the mock
 * monitor forms it (@pulumi/pulumi `runtime/mocks.js` `newUrn`, the engine's rule: the type of
 * every ancestor, then the resource's own type).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { parseStackConfig, stripNamespace } from "../../components/config";
import { ROOT, evaluate } from "./evaluate";
import { Mutation, mutationsOf, withValue } from "./mutations";

/** Where the recorded URN sets live, one JSON file per stack. */
export const URN_FIXTURES = join(ROOT, "tests", "fixtures", "urns");

/** One evaluated case: the stack file as is, or with one optional key set. */
export interface UrnCase {
    /** `Pulumi.<stack>.yaml`, or `Pulumi.<stack>.yaml + <path>: <value>`. */
    label: string;
    /** The optional key set on top of the stack file; absent for the file as is. */
    set?: Mutation;
    /** Every URN registered, sorted. */
    urns: string[];
}

/** A fixture file: the cases of one stack and the commit they were recorded from. */
export interface UrnRecord {
    stack: string;
    recordedFrom: string;
    cases: UrnCase[];
}

/** The URNs the mock monitor holds now (every resource registered since `setMocks`), sorted. */
export function registeredUrns(): string[] {
    const monitor = (settings as unknown as { getMonitor(): { getRegisteredResources?: () => Map<string, unknown> } }).getMonitor();
    if (!monitor.getRegisteredResources) throw new Error("the Pulumi monitor is not the mock monitor: call evaluate() first");
    return [...monitor.getRegisteredResources().keys()].sort();
}

/**
 * The cases of one stack: the file as is, then each key of its lab's schema (all are optional:
 * the rest have defaults) set to another valid value, the first the schema-derived mutations
 * (tests/support/mutations.ts: another enum value, a range end, a flipped boolean, a set string)
 * give it that parses.
 * @param file the stack file's `config:` block.
 */
export function urnCases(stack: string, file: Record<string, unknown>): { label: string; set?: Mutation }[] {
    const raw = stripNamespace(file);
    const config = parseStackConfig(raw);
    const parses = (m: Mutation) => {
        try {
            parseStackConfig(withValue(raw, m.path, m.value));
            return true;
        } catch {
            return false;
        }
    };
    // One value per key: the first the schema-derived mutations give it that parses.
    const seen = new Set<string>();
    const optional = mutationsOf(config, parses).mutations.filter((m) => !seen.has(m.path) && seen.add(m.path));
    return [
        { label: `Pulumi.${stack}.yaml` },
        ...optional.map((m) => ({ label: `Pulumi.${stack}.yaml + ${m.path}: ${JSON.stringify(m.value)}`, set: m })),
    ];
}

/** Evaluates one case under mocks and returns its URNs, sorted. */
export async function urnsOf(stack: string, file: Record<string, unknown>, set?: Mutation): Promise<string[]> {
    const raw = stripNamespace(file);
    const config = parseStackConfig(set ? withValue(raw, set.path, set.value) : raw);
    await evaluate(config, stack);
    return registeredUrns();
}

/** The recorded fixture of a stack. @throws Error when none was recorded. */
export function readUrnRecord(stack: string): UrnRecord {
    return JSON.parse(readFileSync(join(URN_FIXTURES, `${stack}.json`), "utf8")) as UrnRecord;
}
