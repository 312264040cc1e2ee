/**
 * preview-safe: refuse a Pulumi preview that would replace or delete a
 * stateful or protected resource.
 *
 *   npx ts-node --transpile-only scripts/preview-safe.ts -s dev --cwd .
 *   npx ts-node --transpile-only scripts/preview-safe.ts --json-file preview.json
 *
 * Every argument except `--json-file FILE` is passed to `pulumi preview --json`.
 * Exit codes: 0 safe, 1 unsafe steps found, 2 pulumi failed / output unusable.
 * Replacing a resource without data (a ConfigMap whose content changed) is safe: it exits 0
 * and lists such replacements as notes, saying whether the old object goes first (same name).
 *
 * Input shape: the JSON that `pulumi preview --json` prints is the
 * `PreviewDigest` struct of pulumi/pulumi `pkg/display/json.go`, filled in by
 * `ShowPreviewDigest` / `getPreviewMetadataStep` in
 * `pkg/backend/display/json.go` from engine `StepEventMetadata`
 * (`pkg/engine/events.go`). Per step (`PreviewStep`):
 *   op              "same" | "create" | "update" | "delete" | "replace" |
 *                   "create-replacement" | "delete-replaced" | "read" | ...
 *                   (`deploy.StepOp` constants, pkg/resource/deploy/step.go)
 *   urn             urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME
 *   provider        provider reference URN::ID
 *   oldState/newState  `apitype.ResourceV3` (sdk/go/common/apitype/core.go):
 *                   { urn, custom, type, inputs, outputs, parent, protect, ... }
 *   diffReasons     top-level keys that changed        (StepEventMetadata.Diffs)
 *   replaceReasons  keys that force replacement        (StepEventMetadata.Keys)
 *   detailedDiff    { "<property path>": { kind: "update-replace" | ..., inputDiff } }
 * Top level: { config, steps, diagnostics: [{urn, message, severity}],
 * duration, changeSummary: { op: count }, maybeCorrupt }.
 * "same" steps appear only with --show-sames (or when `protect` changed);
 * "create-replacement"/"delete-replaced" only with --show-replacement-steps
 * (`shouldShow` in pkg/backend/display/display.go) — by default a replacement
 * is a single "replace" step.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { statefulTypes } from "../components/platform/registry";

/**
 * Resource types whose replacement or deletion loses data: what each platform says holds data
 * (`PlatformTraits.statefulTypes`, components/platform/docker.ts and kubernetes-traits.ts), the
 * same knowledge the guard and the test oracle use.
 */
export const STATEFUL_TYPES: readonly string[] = Object.keys(statefulTypes()).filter((t) => !t.startsWith("pulumi:providers:"));

/** Step ops that destroy (or, for a replacement, recreate) the underlying resource. */
export const DESTRUCTIVE_OPS: readonly string[] = ["delete", "replace", "create-replacement", "delete-replaced", "import-replacement"];

/** Type-token prefix of this project's component resources. */
export const COMPONENT_PREFIX = "clusterlab:index:";

/** Why a step was flagged. */
export type UnsafeReason = "stateful-type" | "protected" | "contains-stateful";

/** One step of a preview that would destroy or recreate data. */
export interface UnsafeStep {
    /** The step's `op`, e.g. "replace" or "delete". */
    op: string;
    /** Full URN of the affected resource. */
    urn: string;
    /** Leaf type token, e.g. "kubernetes:apps/v1:StatefulSet". */
    type: string;
    /** Resource name (last URN segment). */
    name: string;
    /** `protect` of the old or new state. */
    protect: boolean;
    /** Properties forcing the replacement: replaceReasons, else *-replace keys of detailedDiff, else diffReasons. */
    forcedBy: string[];
    /** Why the step is unsafe (at least one). */
    reasons: UnsafeReason[];
}

/** Parts of a Pulumi URN. */
export interface ParsedUrn {
    stack: string;
    project: string;
    /** Type with parent types, `$`-separated: "clusterlab:index:Db$kubernetes:apps/v1:StatefulSet". */
    qualifiedType: string;
    /** Last type of qualifiedType. */
    type: string;
    /** Parent types, outermost first. */
    parentTypes: string[];
    name: string;
}

/**
 * Split a URN `urn:pulumi:STACK::PROJECT::QUALIFIED_TYPE::NAME` (format of
 * `resource.URN`, sdk/go/common/resource/urn.go; the name may itself contain
 * "::"). Throws `Error` when the string is not a `urn:pulumi:` URN with at
 * least four "::"-separated parts.
 */
export function parseUrn(urn: string): ParsedUrn {
    if (!urn.startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
    const parts = urn.slice("urn:pulumi:".length).split("::");
    if (parts.length < 4) throw new Error(`malformed Pulumi URN: ${urn}`);
    const [stack, project, qualifiedType] = parts;
    const types = qualifiedType.split("$");
    return {
        stack,
        project,
        qualifiedType,
        type: types[types.length - 1],
        parentTypes: types.slice(0, -1),
        name: parts.slice(3).join("::"),
    };
}

interface RawState {
    type?: unknown;
    protect?: unknown;
    parent?: unknown;
}
interface RawStep {
    op: string;
    urn: string;
    oldState?: RawState;
    newState?: RawState;
    diffReasons?: unknown;
    replaceReasons?: unknown;
    detailedDiff?: unknown;
}

function stringList(v: unknown): string[] {
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Return the `steps` array of a `pulumi preview --json` document (shape:
 * `PreviewDigest`, see the file header). A digest without steps (no changes)
 * yields []. Throws `TypeError` when the input is not an object, `steps` is
 * not an array, or a step lacks a string `op`/`urn`.
 */
export function previewSteps(previewJson: unknown): RawStep[] {
    if (typeof previewJson !== "object" || previewJson === null || Array.isArray(previewJson)) {
        throw new TypeError("preview JSON must be an object (pulumi preview --json PreviewDigest)");
    }
    const steps = (previewJson as { steps?: unknown }).steps;
    if (steps === undefined || steps === null) return [];
    if (!Array.isArray(steps)) throw new TypeError("preview JSON: `steps` must be an array");
    return steps.map((s, i) => {
        if (typeof s !== "object" || s === null) throw new TypeError(`preview JSON: steps[${i}] is not an object`);
        const { op, urn } = s as { op?: unknown; urn?: unknown };
        if (typeof op !== "string" || typeof urn !== "string") {
            throw new TypeError(`preview JSON: steps[${i}] needs string "op" and "urn"`);
        }
        return s as RawStep;
    });
}

function forcingProperties(step: RawStep): string[] {
    const replace = stringList(step.replaceReasons);
    if (replace.length > 0) return replace;
    const dd = step.detailedDiff;
    if (typeof dd === "object" && dd !== null) {
        const keys = Object.entries(dd as Record<string, { kind?: unknown }>)
            .filter(([, d]) => typeof d?.kind === "string" && (d.kind as string).endsWith("-replace"))
            .map(([k]) => k);
        if (keys.length > 0) return keys.sort();
    }
    return stringList(step.diffReasons);
}

function stepType(step: RawStep): string {
    for (const st of [step.newState, step.oldState]) {
        if (st && typeof st.type === "string" && st.type !== "") return st.type;
    }
    return parseUrn(step.urn).type;
}

/**
 * Find the steps of a `pulumi preview --json` document that would replace or
 * delete data: a step whose op is in DESTRUCTIVE_OPS and whose resource
 *  - has a leaf type in STATEFUL_TYPES (also when nested under a
 *    `clusterlab:index:*` component, whose type then prefixes the URN), or
 *  - is protected (`oldState.protect` or `newState.protect`), or
 *  - is a `clusterlab:index:*` component that is an ancestor (via
 *    `oldState.parent`/`newState.parent`) of another flagged destructive step.
 * Input shape: `PreviewDigest` from pulumi/pulumi pkg/display/json.go (see the
 * file header for the field paths used). Returns the flagged steps in preview
 * order (one entry per step, so a replacement shown with
 * --show-replacement-steps gives up to three entries). Throws `TypeError` on
 * input that is not a preview digest and `Error` on a malformed URN.
 */
export function findUnsafeSteps(previewJson: unknown): UnsafeStep[] {
    const steps = previewSteps(previewJson);
    const flagged = new Map<RawStep, UnsafeStep>();
    const destructive = steps.filter((s) => DESTRUCTIVE_OPS.includes(s.op));

    const make = (s: RawStep, reason: UnsafeReason): UnsafeStep => ({
        op: s.op,
        urn: s.urn,
        type: stepType(s),
        name: parseUrn(s.urn).name,
        protect: s.oldState?.protect === true || s.newState?.protect === true,
        forcedBy: forcingProperties(s),
        reasons: [reason],
    });
    const flag = (s: RawStep, reason: UnsafeReason): void => {
        const have = flagged.get(s);
        if (!have) flagged.set(s, make(s, reason));
        else if (!have.reasons.includes(reason)) have.reasons.push(reason);
    };

    for (const s of destructive) {
        if (STATEFUL_TYPES.includes(stepType(s))) flag(s, "stateful-type");
        if (s.oldState?.protect === true || s.newState?.protect === true) flag(s, "protected");
    }

    // Components of this project that are being torn down around a flagged child.
    const byUrn = new Map<string, RawStep[]>();
    for (const s of destructive) byUrn.set(s.urn, [...(byUrn.get(s.urn) ?? []), s]);
    const parentOf = (s: RawStep): string | undefined => {
        const p = s.oldState?.parent ?? s.newState?.parent;
        return typeof p === "string" && p !== "" ? p : undefined;
    };
    for (const child of [...flagged.keys()]) {
        const seen = new Set<string>();
        for (let p = parentOf(child); p !== undefined && !seen.has(p); ) {
            seen.add(p);
            const parents = byUrn.get(p) ?? [];
            for (const ps of parents) {
                if (stepType(ps).startsWith(COMPONENT_PREFIX)) flag(ps, "contains-stateful");
            }
            p = parents.length > 0 ? parentOf(parents[0]) : undefined;
        }
    }
    const out = steps.filter((s) => flagged.has(s)).map((s) => flagged.get(s) as UnsafeStep);
    // "delete-replaced" carries no diff; show the reasons of its "replace" sibling.
    for (const u of out) {
        if (u.forcedBy.length === 0) {
            const sibling = out.find((o) => o.urn === u.urn && o.forcedBy.length > 0);
            if (sibling) u.forcedBy = [...sibling.forcedBy];
        }
    }
    return out;
}

/** A replacement of a resource that holds no data (a ConfigMap, a Service): allowed, but reported. */
export interface StatelessReplacement {
    urn: string;
    type: string;
    name: string;
    /** Properties forcing the replacement (as for {@link UnsafeStep}). */
    forcedBy: string[];
    /**
     * `delete-then-create` when the old and new objects share `metadata.name`: the Kubernetes
     * provider must delete the old object before it can create the new one (pulumi-kubernetes
     * sets deleteBeforeReplace for a replacement that keeps a named object's name), so for a
     * moment nothing answers to that name; `create-then-delete` otherwise (the engine's default).
     */
    order: "delete-then-create" | "create-then-delete";
}

/**
 * The `replace` steps that {@link findUnsafeSteps} lets through: resources whose type holds no
 * data and that are not protected. A config rollout through a ConfigMap replaced under a new
 * name is the intended way; a same-name replacement works too but leaves a gap, which the
 * notes say. Throws like previewSteps on malformed input.
 */
export function findStatelessReplacements(previewJson: unknown): StatelessReplacement[] {
    const unsafe = new Set(findUnsafeSteps(previewJson).map((u) => u.urn));
    const metadataName = (st: RawState | undefined): unknown =>
        (st as { inputs?: { metadata?: { name?: unknown } } } | undefined)?.inputs?.metadata?.name;
    return previewSteps(previewJson)
        .filter((s) => s.op === "replace" && !unsafe.has(s.urn))
        .map((s) => {
            const before = metadataName(s.oldState);
            const sameName = typeof before === "string" && before === metadataName(s.newState);
            return {
                urn: s.urn,
                type: stepType(s),
                name: parseUrn(s.urn).name,
                forcedBy: forcingProperties(s),
                order: sameName ? "delete-then-create" : "create-then-delete",
            };
        });
}

/** Rows of cells as text columns padded to the widest cell, two spaces apart (the first row is the header). */
function alignColumns(rows: readonly string[][]): string {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows
        .map((r) =>
            r
                .map((cell, c) => cell.padEnd(widths[c]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

/** The notes table of stateless replacements: OPERATION, TYPE, NAME, FORCED BY, ORDER. Pure. */
export function formatReplacementNotes(notes: readonly StatelessReplacement[]): string {
    const rows = [
        ["OPERATION", "TYPE", "NAME", "FORCED BY", "ORDER"],
        ...notes.map((n) => ["replace", n.type, n.name, n.forcedBy.join(", ") || "-", n.order]),
    ];
    return alignColumns(rows);
}

/**
 * Count steps per op, e.g. { create: 2, update: 1 }. Prefers the engine's
 * `changeSummary` (counts every resource, including "same") and falls back to
 * counting `steps[].op`. Throws like previewSteps on malformed input.
 */
export function countOps(previewJson: unknown): Record<string, number> {
    const steps = previewSteps(previewJson);
    const summary = (previewJson as { changeSummary?: unknown }).changeSummary;
    if (typeof summary === "object" && summary !== null && Object.keys(summary).length > 0) {
        const out: Record<string, number> = {};
        for (const [op, n] of Object.entries(summary as Record<string, unknown>)) {
            if (typeof n === "number") out[op] = n;
        }
        return out;
    }
    const out: Record<string, number> = {};
    for (const s of steps) out[s.op] = (out[s.op] ?? 0) + 1;
    return out;
}

/**
 * Render unsafe steps as a fixed-width text table with the columns
 * OPERATION, TYPE, NAME, PROTECT, FORCED BY, WHY. Pure; never throws.
 */
export function formatUnsafeTable(unsafe: readonly UnsafeStep[]): string {
    const rows = [
        ["OPERATION", "TYPE", "NAME", "PROTECT", "FORCED BY", "WHY"],
        ...unsafe.map((u) => [
            u.op,
            u.type,
            u.name,
            u.protect ? "yes" : "no",
            u.forcedBy.length > 0 ? u.forcedBy.join(", ") : "-",
            u.reasons.join(", "),
        ]),
    ];
    return alignColumns(rows);
}

/** Result of running `pulumi preview --json`. */
export interface PreviewRun {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Set when the process could not be started (e.g. pulumi not on PATH). */
    error?: Error;
}

/**
 * Run `${PULUMI_BIN:-pulumi} preview --json ...args` synchronously with stdin
 * closed and return its exit status and output. Adds
 * PULUMI_SKIP_UPDATE_CHECK=1 unless already set. Never throws; a spawn failure
 * is returned in `error`.
 */
export function runPreview(args: readonly string[]): PreviewRun {
    const bin = process.env.PULUMI_BIN || "pulumi";
    const r = spawnSync(bin, ["preview", "--json", ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 512 * 1024 * 1024,
        env: { PULUMI_SKIP_UPDATE_CHECK: "1", ...process.env },
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

function errorDiagnostics(doc: unknown): string[] {
    const d = (doc as { diagnostics?: unknown }).diagnostics;
    if (!Array.isArray(d)) return [];
    return d
        .filter((x) => x && typeof x === "object" && (x as { severity?: unknown }).severity === "error")
        .map((x) => String((x as { message?: unknown }).message ?? "").trim());
}

/**
 * CLI entry point. `argv` are the arguments after the script name; all but
 * `--json-file FILE` (read a saved preview, "-" = stdin, instead of running
 * pulumi) go to `pulumi preview --json`. Writes the report to stdout/stderr
 * and returns the exit code: 0 safe, 1 unsafe, 2 pulumi error or unusable
 * output. Never throws.
 */
export function main(argv: readonly string[]): number {
    let jsonFile: string | undefined;
    const passthrough: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--json-file") jsonFile = argv[++i];
        else if (argv[i].startsWith("--json-file=")) jsonFile = argv[i].slice("--json-file=".length);
        else passthrough.push(argv[i]);
    }

    let run: PreviewRun;
    if (jsonFile !== undefined) {
        try {
            run = { status: 0, stdout: readFileSync(jsonFile === "-" ? 0 : jsonFile, "utf8"), stderr: "" };
        } catch (e) {
            console.error(`preview-safe: cannot read ${jsonFile}: ${(e as Error).message}`);
            return 2;
        }
    } else {
        run = runPreview(passthrough);
        if (run.error) {
            console.error(`preview-safe: could not run pulumi: ${run.error.message}`);
            return 2;
        }
    }

    let doc: unknown;
    let unsafe: UnsafeStep[];
    let hasSteps: boolean;
    try {
        doc = JSON.parse(run.stdout);
        hasSteps = previewSteps(doc).length > 0;
        unsafe = findUnsafeSteps(doc);
    } catch (e) {
        console.error(`preview-safe: pulumi preview did not produce a usable JSON preview (${(e as Error).message})`);
        if (run.stderr.trim()) console.error(run.stderr.trimEnd());
        if (run.stdout.trim()) console.error(run.stdout.trimEnd().slice(0, 4000));
        return 2;
    }

    const failed = run.status !== 0;
    if (failed && !hasSteps) {
        console.error(`preview-safe: pulumi preview failed (exit ${run.status})`);
        for (const m of errorDiagnostics(doc)) console.error(m);
        if (run.stderr.trim()) console.error(run.stderr.trimEnd());
        return 2;
    }

    if (unsafe.length > 0) {
        console.log(`preview-safe: ${unsafe.length} step(s) would replace or delete stateful/protected resources:`);
        console.log(formatUnsafeTable(unsafe));
        if (failed) {
            console.error(`(pulumi preview also failed, exit ${run.status})`);
            for (const m of errorDiagnostics(doc)) console.error(m);
            if (run.stderr.trim()) console.error(run.stderr.trimEnd());
        }
        return 1;
    }
    if (failed) {
        console.error(`preview-safe: pulumi preview failed (exit ${run.status}); no unsafe steps among those shown`);
        for (const m of errorDiagnostics(doc)) console.error(m);
        if (run.stderr.trim()) console.error(run.stderr.trimEnd());
        return 2;
    }
    const counts = Object.entries(countOps(doc))
        .map(([op, n]) => `${n} ${op}`)
        .join(", ");
    console.log(`preview-safe: ok (${counts || "no changes"}); nothing stateful or protected is replaced or deleted`);
    const notes = findStatelessReplacements(doc);
    if (notes.length > 0) {
        console.log(`note: ${notes.length} resource(s) without data will be replaced (allowed):`);
        console.log(formatReplacementNotes(notes));
        if (notes.some((n) => n.order === "delete-then-create")) {
            console.log("note: delete-then-create leaves a moment without that object; give it a content-hashed or auto-generated name");
        }
    }
    return 0;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
