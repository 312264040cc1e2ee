/**
 * The gate: preview:safe's judgement (scripts/preview-safe.ts `findUnsafeSteps`) on the steps the
 * engine announced during the preview. Any replace or delete of a stateful or protected resource
 * stops the run before anything is touched, with a table of what and why (the engine's replace
 * reasons and changed keys).
 */
import { findStatelessReplacements, findUnsafeSteps, formatReplacementNotes, formatUnsafeTable } from "../preview-safe";
import { StepRecord } from "./record";

/**
 * Judges a preview's record. `refused` when a step would replace or delete data, or when the
 * preview itself failed or refused (what it did not plan cannot be judged); `ok` otherwise.
 * A failed preview's announced steps are judged too: the engine announces a StatefulSet's
 * replacement before the API server refuses its dry run, and that is the table a person needs.
 * The detail holds preview-safe's tables (unsafe steps; stateless replacements as notes).
 * With `allowDestructive` unsafe steps are listed but do not stop the run.
 */
export function gate(previewRecord: StepRecord, allowDestructive = false): StepRecord {
    const started = Date.now();
    const base = { step: "gate", ops: {}, destructive: [] as string[], engineMs: undefined };
    if (!previewRecord.log || (previewRecord.result !== "ok" && !findUnsafeSteps(previewRecord.log.digest()).length)) {
        return {
            ...base,
            result: "refused",
            wallMs: 0,
            detail: [`the preview ${previewRecord.result === "refused" ? "was refused" : "failed"}; nothing applied`],
        };
    }
    const digest = previewRecord.log.digest();
    const unsafe = findUnsafeSteps(digest);
    const notes = findStatelessReplacements(digest);
    const detail: string[] = [];
    if (unsafe.length) {
        detail.push(
            `${unsafe.length} step(s) would replace or delete stateful/protected resources:`,
            ...formatUnsafeTable(unsafe).split("\n"),
        );
    }
    if (notes.length)
        detail.push(`${notes.length} replacement(s) of resources without data (allowed):`, ...formatReplacementNotes(notes).split("\n"));
    if (!unsafe.length) detail.unshift("nothing stateful or protected is replaced or deleted");
    if (previewRecord.result !== "ok") detail.push(`the preview failed as well: ${previewRecord.detail[0] ?? ""}`);
    const refused = (unsafe.length > 0 && !allowDestructive) || (previewRecord.result !== "ok" && !allowDestructive);
    if (unsafe.length && allowDestructive) detail.push("--allow-destructive: going ahead anyway");
    return {
        ...base,
        result: refused ? "refused" : "ok",
        wallMs: Date.now() - started,
        destructive: unsafe.map((u) => `${u.op} ${u.type.split(":").pop()}/${u.name}`),
        detail,
    };
}
