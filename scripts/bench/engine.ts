/**
 * `npm run bench:engine`: the real engine's `preview` and `up` per CockroachDB phase stack
 * (insecure, on kube-local), side by side in one run with the floor for the same work
 * (floor-program.ts: the stack's rendered objects replayed as literal resources of the same
 * types through the same provider), plus the no-op preview and up after each phase, and, with
 * `--loaders`, how long loading the program takes with each TypeScript loader. Targets (issue 23): phase-stack
 * preview ≤ 1.5× its floor; a no-op `up` ≤ its own preview.
 * A benchmark, not a test: it prints figures and asserts nothing. Needs the Pulumi CLI with the
 * kubernetes provider on PATH and a Kubernetes API server (kube-local); `TEST_ENGINE_KUBECONFIG` reuses a running kube-local.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startKubeLocal } from "../../tests/support/kube-local";
import { installEngine } from "../../tests/support/pulumi-engine";
import { deepMerge, stackFiles } from "../../tests/support/evaluate";
import { preview } from "../lab/preview";
import { up } from "../lab/up";
import { PROJECT_DIR, openStack } from "../lab/workspace";
import { benchLoaders } from "./loaders";

const PASSWORD = "bench-engine-password";
/** Namespaces of this run (a reused kube-local keeps earlier runs' objects, owned by other field managers). */
const RUN_ID = Math.random().toString(36).slice(2, 8);
const PROGRAM_NS = `bench-${RUN_ID}-program`;
const FLOOR_NS = `bench-${RUN_ID}-floor`;
/** Phase stacks, with what the engine here needs (no tls provider: insecure). */
const PHASES: [string, Record<string, unknown>][] = [0, 1, 2].map((n) => [
    `phase${n}`,
    { crdb: { secure: false }, kubernetes: { namespace: PROGRAM_NS }, grafanaAdminPassword: PASSWORD },
]);

/** A stack in its own work dir with a file backend. */
function benchStack(scratch: string, name: string, projectFile: string, programPath: string) {
    const workDir = join(scratch, name);
    mkdirSync(join(workDir, "state"), { recursive: true });
    writeFileSync(join(workDir, "Pulumi.yaml"), projectFile);
    const env = {
        PULUMI_BACKEND_URL: `file://${join(workDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "clusterlab-bench",
        PULUMI_HOME: join(workDir, "pulumi-home"),
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    };
    return {
        workDir,
        env,
        open: (extra: Record<string, string> = {}) => openStack({ stack: name, workDir, programPath, env: { ...env, ...extra } }),
    };
}

/**
 * The engine writes the whole state file after every step by default; with
 * `PULUMI_SKIP_CHECKPOINTS=true` (experimental, so with `PULUMI_EXPERIMENTAL=true`) it writes it
 * once at the end (https://www.pulumi.com/docs/iac/cli/environment-variables/). Measured, not used
 * by the runner: an interrupted update would then leave no record of what it did.
 */
const SKIP_CHECKPOINTS = { PULUMI_EXPERIMENTAL: "true", PULUMI_SKIP_CHECKPOINTS: "true" };

/**
 * preview, up, no-op preview, no-op up of one stack, in engine ms; with `skipCheckpoints`, also a
 * no-op up without intermediate checkpoints.
 */
async function cycle(open: (extra?: Record<string, string>) => ReturnType<typeof openStack>, skipCheckpoints: boolean) {
    const stack = await open();
    const p = await preview(stack);
    const u = await up(stack);
    const np = await preview(stack, { label: "no-op preview" });
    const nu = await up(stack);
    const nuSkip = skipCheckpoints ? await up(await open(SKIP_CHECKPOINTS)) : { ...nu, engineMs: NaN };
    const failed = [p, u, np, nu, nuSkip].filter((r) => r.result !== "ok");
    if (failed.length) throw new Error(`bench step failed: ${failed.map((r) => `${r.step}: ${r.detail.join(" / ")}`).join("\n")}`);
    return {
        preview: p.engineMs!,
        up: u.engineMs!,
        noopPreview: np.engineMs!,
        noopUp: nu.engineMs!,
        noopUpSkip: nuSkip.engineMs!,
        ops: Object.values(p.ops).reduce((a, b) => a + b, 0),
    };
}

/** Wall ms of a whole `npm run lab -- preview` in a fresh process (npm, the TypeScript loader, program loading, engine). */
function coldRunnerPreview(stack: string, workDir: string, env: Record<string, string>): number | string {
    const started = Date.now();
    const r = spawnSync("npm", ["run", "--silent", "lab", "--", "preview", "--stack", stack, "--work-dir", workDir], {
        cwd: PROJECT_DIR,
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: 300_000,
    });
    return r.status === 0 ? Date.now() - started : `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" ")}`;
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const ms = (n: number) => n.toLocaleString("en-US");

async function main(): Promise<void> {
    const version = installEngine();
    const plane = process.env.TEST_ENGINE_KUBECONFIG ? undefined : startKubeLocal();
    process.env.KUBECONFIG = process.env.TEST_ENGINE_KUBECONFIG ?? plane!.kubeconfig;
    const scratch = mkdtempSync(join(tmpdir(), "clusterlab-bench-engine-"));
    try {
        const program = benchStack(
            scratch,
            "bench-program",
            readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8"),
            join(PROJECT_DIR, "index.ts"),
        );
        const floorFile = join(scratch, "floor.json");
        process.env.CLUSTERLAB_FLOOR_FILE = floorFile;
        // The floor's project declares no config: it reads none.
        const floor = benchStack(scratch, "bench-floor", "name: clusterlab\nruntime: nodejs\n", join(__dirname, "floor-program.ts"));
        const rows: string[] = [];
        for (const [stackFile, overrides] of PHASES) {
            const config = deepMerge(
                stackFiles().get(stackFile)!,
                Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`clusterlab:${k}`, v])),
            );
            writeFileSync(join(program.workDir, "Pulumi.bench-program.yaml"), stringify({ config }));
            const child = spawnSync(
                process.execPath,
                [
                    "-r",
                    "ts-node/register/transpile-only",
                    join(__dirname, "floor-resources.ts"),
                    JSON.stringify({ stackFile, overrides }),
                    floorFile,
                    PROGRAM_NS,
                    FLOOR_NS,
                ],
                { cwd: PROJECT_DIR, encoding: "utf8" },
            );
            if (child.status !== 0) throw new Error(`floor-resources failed: ${child.stderr}`);
            const ours = await cycle(program.open, true);
            const base = await cycle(floor.open, false);
            rows.push(
                `| ${stackFile} | ${ours.ops} | ${ms(ours.preview)} | ${ms(base.preview)} | **${ratio(ours.preview, base.preview)}** | ${ms(ours.up)} | ${ms(base.up)} | ${ratio(ours.up, base.up)} | ${ms(ours.noopPreview)} | ${ms(ours.noopUp)} | **${ratio(ours.noopUp, ours.noopPreview)}** | ${ms(ours.noopUpSkip)} (${ratio(ours.noopUpSkip, ours.noopPreview)}) | ${ms(base.noopPreview)} / ${ms(base.noopUp)} |`,
            );
        }
        console.log(
            `\nengine bench, ${new Date().toISOString()}, pulumi ${version}, kubernetes provider 4.32.0, kube-local; engine ms = the Automation API call (CLI start to exit)`,
        );
        console.log("targets: preview ≤ 1.5× floor; no-op up ≤ its own no-op preview.");
        console.log(
            "| phase | steps planned | preview ms | floor preview ms | preview / floor | up ms | floor up ms | up / floor | no-op preview ms | no-op up ms | no-op up / no-op preview | no-op up, skip checkpoints ms (/ no-op preview) | floor no-op preview / up ms |",
        );
        console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (const row of rows) console.log(row);
        const cold = coldRunnerPreview("bench-program", program.workDir, program.env);
        console.log(
            `\nwhole \`npm run lab -- preview\` of phase2 (no-op) in a fresh process: ${typeof cold === "number" ? `${ms(cold)} ms` : `failed: ${cold}`} (the in-process figures above load the program once, before the first row)`,
        );
        if (process.argv.includes("--loaders")) {
            console.log(`\nprogram loading (fresh node process each, median of 3):`);
            console.log(benchLoaders());
        } else
            console.log(
                "\nprogram loading per TypeScript loader: `npm run bench:engine -- --loaders` (compiles the program with tsc first)",
            );
    } finally {
        plane?.stop();
        rmSync(scratch, { recursive: true, force: true });
    }
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    },
);
