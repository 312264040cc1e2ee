/** Refusal lines a lab's `transitionProblems` states in the guard's own words. */
import type { LabMemory } from "../labs/types";
import { valueAt } from "./config/schema";

/**
 * A domain rule "another value of `path` replaces the members": one refusal line when the
 * remembered value differs from the new one and `allowReplace` is not set.
 * @param previous the lab's memory of the deployment, keyed by config path.
 * @param why what the change does, e.g. `re-bootstraps every PD member (--initial-cluster)`.
 */
export function replacedBy(previous: LabMemory, next: { allowReplace: boolean }, path: string, why: string): string[] {
    if (next.allowReplace || !(path in previous)) return [];
    const before = previous[path];
    const after = valueAt(next, path);
    return JSON.stringify(before) === JSON.stringify(after)
        ? []
        : [
              `${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)} would replace stateful resources (${why}); set allowReplace: true to allow it`,
          ];
}
