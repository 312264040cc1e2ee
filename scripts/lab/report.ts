/**
 * The report: a markdown table of the run's steps (result, engine and wall time, ops,
 * destructive steps, what was found) and one of the stack's outputs (Grafana, Prometheus, URLs;
 * secrets shown as `[secret]`). Pure functions of the records.
 */
import { formatOps } from "./events";
import { StepRecord } from "./record";

/** Outputs kept for the program itself: the guard's record of the last deployment (index.ts `GUARD_OUTPUT`). */
export const HIDDEN_OUTPUTS: readonly string[] = ["clusterlabGuard"];

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const ms = (n?: number) => (n === undefined ? "-" : n.toLocaleString("en-US"));

/** `| step | result | engine ms | wall ms | ops | destructive ops | detail |`, one row per record. */
export function stepsTable(records: readonly StepRecord[]): string {
    const rows = records.map((r) => {
        const detail = r.detail.length > 1 ? `${r.detail[0]} (+${r.detail.length - 1} line(s) printed above)` : (r.detail[0] ?? "-");
        const ops = r.engineMs === undefined ? "-" : formatOps(r.ops);
        return `| ${r.step} | ${r.result} | ${ms(r.engineMs)} | ${ms(r.wallMs)} | ${ops} | ${r.destructive.length ? cell(r.destructive.join(", ")) : "none"} | ${cell(detail)} |`;
    });
    return ["| step | result | engine ms | wall ms | ops | destructive ops | detail |", "|---|---|---:|---:|---|---|---|", ...rows].join(
        "\n",
    );
}

/** `| output | value |`, lists joined by line breaks; empty string when there are none. */
export function outputsTable(outputs: Record<string, unknown>): string {
    const entries = Object.entries(outputs).filter(([k]) => !HIDDEN_OUTPUTS.includes(k));
    if (!entries.length) return "";
    const show = (v: unknown) =>
        typeof v === "string" ? v : Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("<br>") : JSON.stringify(v);
    return ["| output | value |", "|---|---|", ...entries.map(([k, v]) => `| ${k} | ${cell(show(v))} |`)].join("\n");
}

/** The whole report: a heading, the steps table and the outputs table. */
export function report(title: string, records: readonly StepRecord[], outputs: Record<string, unknown>): string {
    const parts = [`### ${title}`, "", stepsTable(records)];
    const out = outputsTable(outputs);
    if (out) parts.push("", out);
    return parts.join("\n");
}
