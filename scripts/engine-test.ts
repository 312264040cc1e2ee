/**
 * `npm run test:engine`: the real Pulumi engine on the CockroachDB phase stacks, with no
 * cluster and no account. On a fresh temp stack (local file backend, passphrase secrets,
 * Kubernetes provider rendering manifests to a directory):
 *   phase0 `up` → phase1 preview:safe + `up` → phase2 preview:safe + `up` →
 *   `preview --expect-no-changes`; the rendered manifests are checked after each `up`.
 * Then a deliberately destructive change (a bigger PVC template, with allowReplace) must
 * make preview:safe fail.
 *
 * A user-run check, not part of CI: it needs the Pulumi CLI installed the official way
 * (https://www.pulumi.com/docs/install/), which downloads the kubernetes provider plugin at the
 * version `@pulumi/kubernetes` in package.json names. CI machines cannot download Pulumi or its
 * plugins; there `tests/fixtures/engine/` holds what this engine produced for these stacks, and
 * `npm run test:k8s` applies the same phases to a real API server. The test passphrase is
 * `clusterlab-engine-test`.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

const ROOT = join(__dirname, "..");
/** Documented test passphrase for the local secrets provider. */
export const TEST_PASSPHRASE = "clusterlab-engine-test";
const STACK = "engine-test";

const work = mkdtempSync(join(tmpdir(), "clusterlab-engine-"));
const renderDir = join(work, "rendered");
const configFile = join(work, `Pulumi.${STACK}.yaml`);
const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_HOME: join(work, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_SKIP_CONFIRMATIONS: "1",
    NO_COLOR: "1",
};
const started = Date.now();

function log(message: string): void {
    console.log(`[engine ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
}

/** Runs a command with the test environment; throws with its output when it fails (unless `allowFail`). */
function sh(cmd: string, args: string[], allowFail = false): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", timeout: 15 * 60_000, maxBuffer: 256 * 1024 * 1024 });
    const out = { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
    if (out.status !== 0 && !allowFail) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${out.status}\n${out.stdout.slice(-4000)}\n${out.stderr.slice(-4000)}`);
    }
    return out;
}

const pulumi = (...args: string[]) => sh("pulumi", [...args, "--stack", STACK, "--config-file", configFile, "--non-interactive"]);

/**
 * A ready-made stack's config as `pulumi config set --path` pairs: `Pulumi.<stack>.yaml` is the
 * one source of each phase's values (`clusterlab:crdb: {nodes: 2}` → `crdb.nodes` = `2`).
 */
function stackConfigPaths(stack: string): [string, string][] {
    const doc = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const pairs: [string, string][] = [];
    const walk = (path: string, value: unknown) => {
        if (value && typeof value === "object" && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) walk(`${path}.${k}`, v);
        } else pairs.push([path, String(value)]);
    };
    for (const [key, value] of Object.entries(doc.config)) walk(key.replace(/^clusterlab:/, ""), value);
    return pairs;
}

/** Sets the stack's config to phase `phase`'s stack file, rendering to a directory, plus `extra` paths. */
function configurePhase(phase: number, extra: Record<string, string> = {}): void {
    const values: [string, string][] = [
        ...stackConfigPaths(`phase${phase}`),
        ["kubernetes.renderYamlToDirectory", renderDir],
        ...Object.entries(extra),
    ];
    for (const [key, value] of values) pulumi("config", "set", "--path", key, value);
    // An explicit secret: the rendered manifests then do not depend on the random provider.
    pulumi("config", "set", "--secret", "grafanaAdminPassword", "engine-test-admin");
}

/** Every rendered manifest, as parsed objects. */
function renderedManifests(): any[] {
    const docs: any[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
            const path = join(dir, entry.name);
            if (entry.isDirectory()) walk(path);
            else if (/\.ya?ml$/.test(entry.name)) for (const d of parseAllDocuments(readFileSync(path, "utf8"))) docs.push(d.toJS());
        }
    };
    walk(renderDir);
    return docs.filter(Boolean);
}

function checkRendered(phase: number): void {
    const docs = renderedManifests();
    const sts = docs.find((d) => d.kind === "StatefulSet" && d.metadata.name === "crdb");
    assert.ok(sts, "no crdb StatefulSet rendered");
    assert.equal(sts.spec.replicas, phase + 1, `phase ${phase}: replicas`);
    const services = docs.filter((d) => d.kind === "Service").map((d) => d.metadata.name);
    for (const name of ["crdb-writer", "crdb-reader", "crdb-peer", "crdb"])
        assert.ok(services.includes(name), `phase ${phase}: no Service ${name} (${services.join(", ")})`);
    const jobs = docs.filter((d) => d.kind === "Job").map((d) => d.metadata.name);
    for (let p = 1; p <= phase; p++) assert.ok(jobs.includes(`backup-before-phase${p}`), `phase ${phase}: no backup-before-phase${p}`);
    log(
        `phase ${phase}: rendered StatefulSet crdb replicas=${sts.spec.replicas}; Services ${services.sort().join(", ")}; ${jobs.length} Jobs`,
    );
}

/** preview:safe through npm, as a reviewer would run it; returns its exit status and output. */
function previewSafe(): { status: number; output: string } {
    const r = sh("npm", ["run", "--silent", "preview:safe", "--", "--stack", STACK, "--config-file", configFile], true);
    return { status: r.status, output: r.stdout + r.stderr };
}

function main(): void {
    if (spawnSync("pulumi", ["version"], { env }).error) {
        throw new Error("pulumi is not on PATH: install it the official way (https://www.pulumi.com/docs/install/) and run again");
    }
    log(`work dir ${work}; ${sh("pulumi", ["version"]).stdout.trim()}`);
    // The file backend does not create its own directory.
    mkdirSync(join(work, "state"), { recursive: true });
    mkdirSync(renderDir, { recursive: true });
    // `stack init` has no --config-file: it writes the passphrase salt to Pulumi.<stack>.yaml beside
    // Pulumi.yaml. Move that file out of the working tree and use it from the temp dir.
    sh("pulumi", ["stack", "init", STACK, "--non-interactive"]);
    renameSync(join(ROOT, `Pulumi.${STACK}.yaml`), configFile);

    configurePhase(0);
    pulumi("up", "--yes", "--skip-preview");
    checkRendered(0);

    for (const phase of [1, 2]) {
        configurePhase(phase);
        const safe = previewSafe();
        log(`phase ${phase} preview:safe exit ${safe.status}\n${safe.output.trim()}`);
        assert.equal(safe.status, 0, `preview:safe refused phase ${phase}`);
        pulumi("up", "--yes", "--skip-preview");
        checkRendered(phase);
    }

    pulumi("preview", "--expect-no-changes");
    log("preview --expect-no-changes: no changes");

    // A deliberately destructive change: a bigger PVC template replaces the StatefulSet.
    configurePhase(2, { "crdb.storageGiB": "50", allowReplace: "true" });
    const destructive = previewSafe();
    log(`destructive preview:safe exit ${destructive.status}\n${destructive.output.trim()}`);
    assert.equal(destructive.status, 1, "preview:safe accepted a StatefulSet replacement");
    assert.match(destructive.output, /StatefulSet/);

    log("engine test passed");
}

try {
    main();
} catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
} finally {
    if (process.env.KEEP_ENGINE_WORKDIR !== "1") rmSync(work, { recursive: true, force: true });
}
