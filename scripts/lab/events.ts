/**
 * What the engine said during one operation, collected from the Automation API's `onEvent`
 * stream (`EngineEvent`, `@pulumi/pulumi/automation/events.ts`, which mirrors the CLI's
 * `--event-log` JSON: pulumi/pulumi `sdk/go/common/apitype/events.go`).
 *
 * Each step is kept in the shape `pulumi preview --json` prints (`PreviewStep`: op, urn,
 * oldState, newState, diffReasons, replaceReasons, detailedDiff), so scripts/preview-safe.ts
 * judges the live events exactly as it judges a saved preview.
 */
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { DESTRUCTIVE_OPS } from "../preview-safe";

/** One engine step in `pulumi preview --json`'s `PreviewStep` shape (see scripts/preview-safe.ts). */
export interface RecordedStep {
    op: string;
    urn: string;
    type: string;
    oldState?: StepEventMetadata["old"];
    newState?: StepEventMetadata["new"];
    /** Top-level keys that changed (`StepEventMetadata.diffs`). */
    diffReasons: string[];
    /** Keys that force a replacement (`StepEventMetadata.keys`). */
    replaceReasons: string[];
    detailedDiff?: StepEventMetadata["detailedDiff"];
}

/** Collects one operation's steps, diagnostics and summary from `onEvent`. */
export class EventLog {
    /** Steps in the order the engine announced them (`resourcePreEvent`). */
    readonly steps: RecordedStep[] = [];
    /** Error and warning diagnostics, one line each (`diagnosticEvent`). */
    readonly diagnostics: { severity: string; urn?: string; message: string }[] = [];
    /** URNs whose step failed (`resOpFailedEvent`). */
    readonly failed: string[] = [];
    /** The engine's own count per op (`summaryEvent.resourceChanges`), once the operation ends. */
    summary?: Record<string, number>;
    /** Engine time in seconds (`summaryEvent.durationSeconds`). */
    durationSeconds?: number;
    /**
     * Each step's start (`resourcePreEvent`) and end (`resOutputsEvent`) in the order the engine
     * reported them: what ran after what finished (a Job awaited before a StatefulSet shrinks).
     */
    readonly timeline: { event: "start" | "done"; op: string; urn: string }[] = [];

    /** The `onEvent` callback to hand to preview/up/destroy. */
    readonly onEvent = (event: EngineEvent): void => {
        const pre = event.resourcePreEvent?.metadata;
        if (pre) {
            this.steps.push({
                op: pre.op,
                urn: pre.urn,
                type: pre.type,
                oldState: pre.old,
                newState: pre.new,
                diffReasons: pre.diffs ?? [],
                replaceReasons: pre.keys ?? [],
                detailedDiff: pre.detailedDiff,
            });
        }
        if (pre) this.timeline.push({ event: "start", op: pre.op, urn: pre.urn });
        const done = event.resOutputsEvent?.metadata;
        if (done) this.timeline.push({ event: "done", op: done.op, urn: done.urn });
        const diag = event.diagnosticEvent;
        if (diag && (diag.severity === "error" || diag.severity === "warning")) {
            this.diagnostics.push({ severity: diag.severity, urn: diag.urn, message: stripAnsi(diag.message).trim() });
        }
        if (event.resOpFailedEvent) this.failed.push(event.resOpFailedEvent.metadata.urn);
        if (event.summaryEvent) {
            this.summary = { ...(event.summaryEvent.resourceChanges as Record<string, number>) };
            this.durationSeconds = event.summaryEvent.durationSeconds;
        }
    };

    /**
     * The steps as a `pulumi preview --json` document (`{ steps, changeSummary }`), for
     * preview-safe: a replacement as its one `replace` step, as `pulumi preview --json` shows it
     * without `--show-replacement-steps`.
     */
    digest(): { steps: RecordedStep[]; changeSummary: Record<string, number> } {
        const parts = new Set(this.steps.filter((s) => s.op === "replace").map((s) => s.urn));
        const steps = this.steps.filter((s) => !((s.op === "create-replacement" || s.op === "delete-replaced") && parts.has(s.urn)));
        return { steps, changeSummary: this.summary ?? {} };
    }

    /**
     * The steps that change something, a replacement counted once: the engine announces a
     * `replace` together with its `create-replacement` and `delete-replaced` parts
     * (pulumi/pulumi `pkg/resource/deploy/step_generator.go`); `same` and `read` left out.
     */
    changing(): RecordedStep[] {
        const replaced = new Set(this.steps.filter((s) => s.op === "replace").map((s) => s.urn));
        return this.steps.filter(
            (s) =>
                s.op !== "same" &&
                s.op !== "read" &&
                !((s.op === "create-replacement" || s.op === "delete-replaced") && replaced.has(s.urn)),
        );
    }

    /** Count per op of {@link changing}. */
    changes(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const s of this.changing()) out[s.op] = (out[s.op] ?? 0) + 1;
        return out;
    }

    /** Steps of {@link changing} whose op destroys or re-creates what it touches (preview-safe's DESTRUCTIVE_OPS). */
    destructive(): RecordedStep[] {
        return this.changing().filter((s) => DESTRUCTIVE_OPS.includes(s.op));
    }

    /** Error diagnostics' messages. */
    errors(): string[] {
        return this.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    }
}

/** `create 3, update 1` from a count per op; `no changes` when empty. */
export function formatOps(ops: Record<string, number>): string {
    const parts = Object.entries(ops)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${op} ${n}`);
    return parts.length ? parts.join(", ") : "no changes";
}

/** Leaf type and name of a URN: `StatefulSet/crdb` style for Kubernetes kinds, `type::name` otherwise. */
export function shortName(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    const name = parts.slice(3).join("::");
    const kind = /^kubernetes:[^:]+:(\w+)$/.exec(type)?.[1];
    return kind ? `${kind}/${name}` : `${type}::${name}`;
}

/** Text without ANSI colour escapes and Pulumi's `<{%reset%}>` colour tags. */
export function stripAnsi(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%[a-z-]*%\}>/g, "");
}
