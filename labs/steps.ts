/**
 * Membership steps as data: what a lab runs, in order, before and after a platform removes,
 * adds or replaces a member (decommission before shrink, Tombstone before removal, learner
 * promotion after start). Each lab's `membership.ts` builds a {@link Plan}; {@link renderScript}
 * turns the command steps between two platform actions into one POSIX `sh` script, which a
 * one-shot task (Kubernetes Job, Docker container) or a test runs.
 *
 * Commands are argv arrays, never shell text built from config: the renderer single-quotes
 * every literal element (a `'` inside becomes `'\''`, so nothing escapes the quotes), and a value
 * captured at run time (a node ID) is only ever expanded inside double quotes. Every wait is
 * bounded twice — in attempts (`ceil(timeoutSeconds / intervalSeconds)`) and by a wall-clock
 * deadline (`date +%s`, whole seconds: a slow poll command cannot stretch it) — and fails with a
 * message naming what it waited for. The script needs `sh`, `grep -E`, `sed -E`, `tr`, `head`,
 * `date` and `sleep` (POSIX; busybox has them).
 */

/**
 * One argv element: literal text, or the value an earlier {@link Capture} stored under
 * `captured`, after an optional literal `prefix` (`evict-leader-scheduler-` + the store ID).
 */
export type Arg = string | { captured: string; prefix?: string };

/**
 * When a command's output counts as success. Every `matches` ERE must match some line, no
 * `absent` ERE may match any line; `flatten` first removes every space, tab and newline (so a
 * pretty-printed JSON object can be matched as `"state_name":"Tombstone"`). The command itself
 * must exit 0 as well. An empty condition means "exit 0" only.
 */
export interface Condition {
    matches?: string[];
    absent?: string[];
    flatten?: boolean;
}

/** A bounded poll: run `argv` every `intervalSeconds` until `until` holds, at most `timeoutSeconds`. */
export interface Wait {
    argv: Arg[];
    until: Condition;
    /** Seconds before the step fails. */
    timeoutSeconds: number;
    /** Seconds between attempts. */
    intervalSeconds: number;
    /** What it waits for, as the failure message says it: `crdb node of crdb-4 to report 0 replicas and membership decommissioned`. */
    waitingFor: string;
}

/**
 * A value read from a command's output into a shell variable: the first match of `pattern`
 * (an ERE whose one group is the value), polled like a {@link Wait} until found.
 */
export interface Capture extends Omit<Wait, "until"> {
    /** Variable name, `[A-Z][A-Z0-9_]*`. */
    name: string;
    pattern: string;
    flatten?: boolean;
}

/** A one-time probe: `argv` is retried until it exits 0 (bounded), then `condition` decides. */
export interface Probe {
    argv: Arg[];
    condition: Condition;
    /** What the probe asks, for the skip line and the failure message: `etcd-4 leads`. */
    question: string;
}

/** A step the task runs itself. */
export interface CommandStep {
    kind: "command";
    /** Announced before the step runs (`clusterlab-step 2/5: decommission crdb-4`). */
    name: string;
    /** Values read before `run`. */
    capture?: Capture[];
    /** Run only when the probe's condition holds (move leadership only off a leader); asked after the captures. */
    onlyIf?: Probe;
    /**
     * Skip the whole step when the probe's condition holds (the work is already done: a re-run of
     * the task). Asked before the captures, so it may not use them.
     */
    unless?: Probe;
    /** The command; a non-zero exit fails the task unless `retry` or `runMayFail` is set. */
    run?: Arg[];
    /** A failed `run` is tolerated because `wait` checks the outcome (deleting a store that is already being deleted). */
    runMayFail?: boolean;
    /** Retry `run` until it exits 0 (a learner's promotion fails while it lags). */
    retry?: Omit<Wait, "argv" | "until">;
    /** Then wait for this. */
    wait?: Wait;
}

/** A step the platform performs (Pulumi resources change); command steps before it must finish first. */
export interface PlatformStep {
    kind: "platform";
    action: "add-member" | "remove-member" | "replace-member";
    /** Member group (`crdb`, `tikv`, `etcd`). */
    group: string;
    /** The member's ordinal. */
    ordinal: number;
    /** What happens, for the plan's description: `shrink the crdb StatefulSet to 3 (crdb-3 stops; its volume is kept)`. */
    description: string;
}

/** An ordered transition: command steps and platform steps. */
export type Plan = (CommandStep | PlatformStep)[];

/** Command steps up to a platform step: one task's script, and the platform step it precedes. */
export interface Segment {
    commands: CommandStep[];
    /** The platform step that waits for `commands`; undefined for the trailing segment. */
    then?: PlatformStep;
}

/** Splits a plan at its platform steps. Empty command lists are kept (a platform step right after another). */
export function segments(plan: Plan): Segment[] {
    const out: Segment[] = [];
    let commands: CommandStep[] = [];
    for (const step of plan) {
        if (step.kind === "platform") {
            out.push({ commands, then: step });
            commands = [];
        } else commands.push(step);
    }
    if (commands.length > 0) out.push({ commands });
    return out;
}

/** `text` as one single-quoted shell word: nothing inside is interpreted. */
export function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

function word(arg: Arg, known: Set<string>): string {
    if (typeof arg === "string") return shellQuote(arg);
    if (!VARIABLE.test(arg.captured) || !known.has(arg.captured)) {
        throw new Error(`argument refers to ${JSON.stringify(arg.captured)}, which no earlier capture defines`);
    }
    return `${arg.prefix ? shellQuote(arg.prefix) : ""}"$${arg.captured}"`;
}

function command(argv: Arg[], known: Set<string>): string {
    if (argv.length === 0) throw new Error("empty command");
    return argv.map((a) => word(a, known)).join(" ");
}

function attempts(w: { timeoutSeconds: number; intervalSeconds: number }): number {
    if (!(w.timeoutSeconds > 0 && w.intervalSeconds > 0)) throw new Error(`a wait needs positive seconds, got ${JSON.stringify(w)}`);
    return Math.max(1, Math.ceil(w.timeoutSeconds / w.intervalSeconds));
}

/** A sed delimiter that does not occur in `pattern`. @throws Error when every candidate does. */
function delimiter(pattern: string): string {
    const found = ["#", "%", "@", "!", "~", ","].find((c) => !pattern.includes(c));
    if (!found) throw new Error(`no sed delimiter free in ${pattern}`);
    return found;
}

/** Shell test that `$out` satisfies `c` (after `$out` was set from a command that exited 0). */
function test(c: Condition): string {
    const parts = [
        ...(c.matches ?? []).map((re) => `printf '%s\\n' "$out" | grep -Eq -- ${shellQuote(re)}`),
        ...(c.absent ?? []).map((re) => `! printf '%s\\n' "$out" | grep -Eq -- ${shellQuote(re)}`),
    ];
    return parts.length ? parts.join(" && ") : "true";
}

function flattenLine(flatten?: boolean): string[] {
    return flatten ? [`    out=$(printf '%s' "$out" | tr -d ' \\t\\r\\n')`] : [];
}

function failure(message: string): string {
    return `printf '%s\\n' ${shellQuote(message)} >&2; printf 'last output: %s\\n' "$out" >&2; exit 1`;
}

function waitLines(w: Wait, known: Set<string>): string[] {
    return [
        `ok=0; i=0; out=''; deadline=$(( $(date +%s) + ${Math.ceil(w.timeoutSeconds)} ))`,
        `while [ "$i" -lt ${attempts(w)} ] && { [ "$i" -eq 0 ] || [ "$(date +%s)" -lt "$deadline" ]; }; do`,
        `  if out=$(${command(w.argv, known)} 2>&1); then`,
        ...flattenLine(w.until.flatten),
        `    if ${test(w.until)}; then ok=1; break; fi`,
        `  fi`,
        `  i=$((i + 1)); sleep ${w.intervalSeconds}`,
        `done`,
        `[ "$ok" = 1 ] || { ${failure(`timed out after ${w.timeoutSeconds} s waiting for ${w.waitingFor}`)}; }`,
    ];
}

function captureLines(c: Capture, known: Set<string>): string[] {
    if (!VARIABLE.test(c.name)) throw new Error(`capture name ${JSON.stringify(c.name)} is not [A-Z][A-Z0-9_]*`);
    const d = delimiter(c.pattern);
    // An anchored pattern keeps its anchor; otherwise any prefix may precede it.
    const body = c.pattern.startsWith("^") ? c.pattern : `^.*${c.pattern}`;
    const sed = shellQuote(`s${d}${body}.*$${d}\\1${d}p`);
    const lines = [
        `${c.name}=''; i=0; out=''; deadline=$(( $(date +%s) + ${Math.ceil(c.timeoutSeconds)} ))`,
        `while [ "$i" -lt ${attempts(c)} ] && { [ "$i" -eq 0 ] || [ "$(date +%s)" -lt "$deadline" ]; }; do`,
        `  if out=$(${command(c.argv, known)} 2>&1); then`,
        ...flattenLine(c.flatten),
        `    ${c.name}=$(printf '%s\\n' "$out" | sed -n -E ${sed} | head -n 1)`,
        `    [ -n "$${c.name}" ] && break`,
        `  fi`,
        `  i=$((i + 1)); sleep ${c.intervalSeconds}`,
        `done`,
        `[ -n "$${c.name}" ] || { ${failure(`timed out after ${c.timeoutSeconds} s waiting for ${c.waitingFor}`)}; }`,
        `printf '  %s=%s\\n' ${shellQuote(c.name)} "$${c.name}"`,
    ];
    known.add(c.name);
    return lines;
}

/** A probe's command is retried this many times, this many seconds apart, until it exits 0. */
const PROBE_ATTEMPTS = 5;
const PROBE_INTERVAL_SECONDS = 2;

/** `probe` → `$answer` = yes|no (its command retried {@link PROBE_ATTEMPTS} × {@link PROBE_INTERVAL_SECONDS} s until it exits 0). */
function probeLines(p: Probe, known: Set<string>): string[] {
    return [
        `answer=''; i=0; out=''`,
        `while [ "$i" -lt ${PROBE_ATTEMPTS} ]; do`,
        `  if out=$(${command(p.argv, known)} 2>&1); then`,
        ...flattenLine(p.condition.flatten),
        `    if ${test(p.condition)}; then answer=yes; else answer=no; fi; break`,
        `  fi`,
        `  i=$((i + 1)); sleep ${PROBE_INTERVAL_SECONDS}`,
        `done`,
        `[ -n "$answer" ] || { ${failure(`could not tell whether ${p.question}`)}; }`,
    ];
}

/** `body` when the probe's answer is `runWhen`, else a skip line. */
function gated(probe: Probe, runWhen: "yes" | "no", body: string[], known: Set<string>): string[] {
    const skip = runWhen === "yes" ? `not: ${probe.question}` : probe.question;
    return [
        ...probeLines(probe, known),
        `if [ "$answer" = ${runWhen} ]; then`,
        ...body.map((l) => `  ${l}`),
        `else`,
        `  printf '  skipped (%s)\\n' ${shellQuote(skip)}`,
        `fi`,
    ];
}

/** The body of one command step: `unless` → captures → `onlyIf` → run → wait. */
function stepLines(step: CommandStep, known: Set<string>): string[] {
    // `unless` is asked first, so it cannot use a capture (a done step may have nothing left to capture).
    const unlessLines = step.unless ? probeLines(step.unless, known) : [];
    const lines: string[] = [];
    for (const c of step.capture ?? []) lines.push(...captureLines(c, known));
    let body: string[] = [];
    if (step.run && step.retry) {
        body.push(...waitLines({ ...step.retry, argv: step.run, until: {} }, known));
    } else if (step.run && step.runMayFail) {
        body.push(`${command(step.run, known)} || printf '%s\\n' ${shellQuote(`  ${step.name}: the command failed; the wait decides`)}`);
    } else if (step.run) {
        body.push(`${command(step.run, known)} || { printf '%s\\n' ${shellQuote(`failed: ${step.name}`)} >&2; exit 1; }`);
    }
    if (step.wait) body.push(...waitLines(step.wait, known));
    if (step.onlyIf) body = gated(step.onlyIf, "yes", body, known);
    const all = [...lines, ...body];
    if (!step.unless) return all;
    const skip = step.unless.question;
    return [
        ...unlessLines,
        `if [ "$answer" = no ]; then`,
        ...all.map((l) => `  ${l}`),
        `else`,
        `  printf '  skipped (%s)\\n' ${shellQuote(skip)}`,
        `fi`,
    ];
}

/**
 * One POSIX `sh` script running `steps` in order; it prints `clusterlab-step <i>/<n>: <name>`
 * before each step and `clusterlab-steps done` at the end, exits non-zero at the first failure.
 * @throws Error when an argument names a value no earlier capture defines, or a wait is unbounded.
 */
export function renderScript(steps: CommandStep[]): string {
    const known = new Set<string>();
    const lines = ["set -u"];
    steps.forEach((step, i) => {
        lines.push(`printf '%s\\n' ${shellQuote(`clusterlab-step ${i + 1}/${steps.length}: ${step.name}`)}`);
        lines.push(...stepLines(step, known));
    });
    lines.push(`printf '%s\\n' 'clusterlab-steps done'`);
    return lines.join("\n") + "\n";
}

/** An ERE matching `text` literally. */
export function literal(text: string): string {
    return text.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/** A one-line description of a plan, step by step (for outputs and the closing table). */
export function describePlan(plan: Plan): string[] {
    return plan.map((s) => (s.kind === "platform" ? `[platform] ${s.description}` : s.name));
}

/**
 * Seconds the rendered script of `steps` may take at most if every bounded wait runs out: the
 * sum of its captures', retries' and waits' `timeoutSeconds` and its probes' retries, plus
 * `perCommandSeconds` for each command itself (a client's own timeout). What a platform should
 * wait for the task before calling it failed (`TaskSpec.timeoutSeconds`, components/platform/types.ts).
 */
export function worstCaseSeconds(steps: CommandStep[], perCommandSeconds = 30): number {
    const probe = PROBE_ATTEMPTS * (PROBE_INTERVAL_SECONDS + perCommandSeconds);
    return steps.reduce(
        (sum, step) =>
            sum +
            (step.capture ?? []).reduce((c, w) => c + w.timeoutSeconds + perCommandSeconds, 0) +
            (step.onlyIf ? probe : 0) +
            (step.unless ? probe : 0) +
            (step.run ? (step.retry?.timeoutSeconds ?? 0) + perCommandSeconds : 0) +
            (step.wait ? step.wait.timeoutSeconds + perCommandSeconds : 0),
        0,
    );
}
