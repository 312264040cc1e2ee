/**
 * How long loading the program (`require` of index.ts and everything it imports) takes in a
 * fresh Node process, per way of running TypeScript: ts-node `--transpile-only` (what
 * `npm run lab` uses), JavaScript precompiled by tsc, and swc (`@swc-node/register`, measured
 * only when it is installed: it is not a dependency). The runner loads the program once per
 * command, so this is paid once per `npm run lab` invocation, before the engine's first step.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../lab/workspace";

const RUNS = 3;

/** Script run in the child: prints the ms `require(target)` took. */
const PROBE = `const t = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;

/** Median require ms and median whole-process ms over {@link RUNS} fresh processes; undefined plus why on failure. */
function measure(preload: string[], target: string, cwd: string): { requireMs: number; processMs: number } | string {
    const req: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const started = Date.now();
        const r = spawnSync(process.execPath, [...preload, "-e", PROBE, target], { cwd, encoding: "utf8", timeout: 120_000 });
        if (r.status !== 0) return (r.stderr || String(r.error)).trim().split("\n").slice(-2).join(" ");
        whole.push(Date.now() - started);
        req.push(Number(r.stdout.trim().split("\n").pop()));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { requireMs: median(req), processMs: median(whole) };
}

/** Compiles index.ts and its imports with tsc into a temp copy laid out like the checkout (files read via `__dirname` beside). */
function precompile(): { dir: string; error?: string } {
    const dir = mkdtempSync(join(tmpdir(), "clusterlab-js-"));
    const tsc = join(PROJECT_DIR, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(
        process.execPath,
        [
            tsc,
            "index.ts",
            "--outDir",
            dir,
            "--rootDir",
            ".",
            "--module",
            "node16",
            "--moduleResolution",
            "node16",
            "--target",
            "es2022",
            "--esModuleInterop",
            "--resolveJsonModule",
            "--skipLibCheck",
        ],
        { cwd: PROJECT_DIR, encoding: "utf8", timeout: 600_000 },
    );
    if (r.status !== 0) return { dir, error: `tsc failed: ${r.stdout.slice(0, 500)}` };
    cpSync(join(PROJECT_DIR, "sql"), join(dir, "sql"), { recursive: true });
    cpSync(join(PROJECT_DIR, "app", "package.json"), join(dir, "app", "package.json"));
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(dir, "node_modules"));
    return { dir };
}

/** The markdown table of loaders: require ms and whole-process ms. */
export function benchLoaders(): string {
    const rows: string[] = ["| loader | require(index) ms | process ms |", "|---|---:|---:|"];
    const row = (name: string, m: ReturnType<typeof measure>) =>
        rows.push(
            typeof m === "string"
                ? `| ${name} | not measured: ${m.replace(/\|/g, "/")} | - |`
                : `| ${name} | ${m.requireMs.toFixed(0)} | ${m.processMs} |`,
        );
    row("ts-node --transpile-only (npm run lab)", measure(["-r", "ts-node/register/transpile-only"], "./index.ts", PROJECT_DIR));
    const compiled = precompile();
    try {
        row("precompiled JavaScript (tsc)", compiled.error ?? measure([], join(compiled.dir, "index.js"), compiled.dir));
    } finally {
        rmSync(compiled.dir, { recursive: true, force: true });
    }
    // `SWC_NODE_REGISTER=<dir>/node_modules/@swc-node/register` measures a copy installed elsewhere.
    let swc: string | undefined = process.env.SWC_NODE_REGISTER;
    try {
        swc ??= require.resolve("@swc-node/register", { paths: [PROJECT_DIR] });
    } catch {
        swc = undefined;
    }
    row(
        "swc (@swc-node/register)",
        swc
            ? measure(["-r", swc], "./index.ts", PROJECT_DIR)
            : "@swc-node/register is not installed (not a dependency; SWC_NODE_REGISTER=<path> measures another copy)",
    );
    return rows.join("\n");
}
