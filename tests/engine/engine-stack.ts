/**
 * A fresh stack for the engine tier, driven by the phase runner (scripts/lab/run.ts) exactly as
 * `npm run lab` drives a user's stack: its own work dir (a copy of `Pulumi.yaml` and the stack's
 * `Pulumi.<stack>.yaml`), a local file backend, passphrase secrets and its own PULUMI_HOME, and
 * its own namespace on kube-local. Each run's row says what the engine did (ops, destructive
 * ops, time) and what the API server shows afterwards.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { RunOptions, RunResult, runLab } from "../../scripts/lab/run";
import { formatOps } from "../../scripts/lab/events";
import { ROOT, deepMerge, stackFiles } from "../support/evaluate";
import { Kubectl } from "../support/kube-apply";
import { engineTier } from "./engine.hooks";

/** Documented test passphrase of the tier's local secrets provider. */
export const TEST_PASSPHRASE = "clusterlab-engine-test";
/** Grafana admin password of every tier stack (set, so the random provider, not served here, is never used). */
export const TEST_GRAFANA_PASSWORD = "engine-tier-password";
/**
 * The sample app's control token for CockroachDB stacks: like the Grafana password, set so the
 * program never needs the random provider, which cannot be had here.
 */
export const TEST_APP_CONTROL_TOKEN = "engine-tier-control-token-0123456789abcdef";

/**
 * A stack `name` running the inline `program` on kube-local: a local file backend, passphrase
 * secrets and its own PULUMI_HOME under `<tier scratch>/<name>`. For the tier's checks of the
 * engine itself (not of a lab).
 */
export function inlineStack(name: string, program: PulumiFn): Promise<Stack> {
    const { scratch, kubeconfig } = engineTier();
    const workDir = join(scratch, name);
    mkdirSync(join(workDir, "state"), { recursive: true });
    writeFileSync(join(workDir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
    return LocalWorkspace.createOrSelectStack(
        { stackName: name, projectName: name, program },
        {
            workDir,
            envVars: {
                PULUMI_BACKEND_URL: `file://${join(workDir, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
                PULUMI_HOME: join(workDir, "pulumi-home"),
                PULUMI_SKIP_UPDATE_CHECK: "1",
                PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
                KUBECONFIG: kubeconfig,
            },
        },
    );
}

/** What the API server holds in a namespace after a run. */
export interface ApiView {
    /** `StatefulSet/x` and `PersistentVolumeClaim/y` → uid. */
    uids: Record<string, string>;
    /** Job name → its uid and whether it is Complete. */
    jobs: Record<string, { uid: string; complete: boolean }>;
    /** StatefulSet name → `ready/replicas`. */
    ready: Record<string, string>;
}

/** One run of the runner on the stack. */
export interface EngineRun {
    label: string;
    result: RunResult;
    api: ApiView;
    /** The raw stack config the run used (`clusterlab:`-prefixed keys). */
    config: Record<string, unknown>;
}

const prefixed = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k.includes(":") ? k : `clusterlab:${k}`, v]));

/** A tier stack: one shipped stack file plus overrides, in its own namespace. */
export class EngineStack {
    readonly runs: EngineRun[] = [];
    readonly kubectl: Kubectl;
    private readonly workDir: string;
    private readonly env: Record<string, string>;

    /**
     * @param stack stack name (also the work dir's name)
     * @param stackFile the shipped `Pulumi.<stackFile>.yaml` every run starts from
     * @param namespace the Kubernetes namespace (`kubernetes.namespace`)
     * @param base overrides every run applies (unprefixed keys, merged into the stack file)
     */
    constructor(
        readonly stack: string,
        readonly stackFile: string,
        readonly namespace: string,
        private readonly base: Record<string, unknown> = {},
    ) {
        const { scratch, kubeconfig } = engineTier();
        this.workDir = join(scratch, stack);
        mkdirSync(join(this.workDir, "state"), { recursive: true });
        copyFileSync(join(ROOT, "Pulumi.yaml"), join(this.workDir, "Pulumi.yaml"));
        this.env = {
            PULUMI_BACKEND_URL: `file://${join(this.workDir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
            PULUMI_HOME: join(this.workDir, "pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK: "1",
            PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
            KUBECONFIG: kubeconfig,
        };
        this.kubectl = new Kubectl(kubeconfig);
    }

    /** The raw config of a run: the stack file, the base overrides, the namespace, the Grafana password (and the CockroachDB sample app's token), then `overrides`. */
    configOf(overrides: Record<string, unknown>): Record<string, unknown> {
        const shipped = stackFiles().get(this.stackFile);
        if (!shipped) throw new Error(`no Pulumi.${this.stackFile}.yaml`);
        const crdb = shipped["clusterlab:lab"] === "crdb";
        const fixed = {
            kubernetes: { namespace: this.namespace },
            grafanaAdminPassword: TEST_GRAFANA_PASSWORD,
            ...(crdb ? { app: { controlToken: TEST_APP_CONTROL_TOKEN } } : {}),
        };
        return deepMerge(deepMerge(deepMerge(shipped, prefixed(this.base)), prefixed(fixed)), prefixed(overrides));
    }

    /** Writes `Pulumi.<stack>.yaml` with `config`, keeping the passphrase salt `stack init` wrote. */
    private writeConfig(config: Record<string, unknown>): void {
        const file = join(this.workDir, `Pulumi.${this.stack}.yaml`);
        const salt = existsSync(file) ? (parse(readFileSync(file, "utf8")) ?? {}).encryptionsalt : undefined;
        writeFileSync(file, stringify({ ...(salt ? { encryptionsalt: salt } : {}), config }));
    }

    /** Runs a runner command with the stack's config set to the stack file plus `overrides`. */
    async run(
        label: string,
        command: RunOptions["command"],
        overrides: Record<string, unknown> = {},
        flags: Partial<RunOptions> = {},
    ): Promise<EngineRun> {
        const config = this.configOf(overrides);
        this.writeConfig(config);
        console.log(`    [${this.stack}] ${label}: ${command}`);
        const result = await runLab({
            command,
            target: { stack: this.stack, workDir: this.workDir, env: this.env },
            checkLimits: { objectsMs: 90_000, probeMs: 2_000 },
            ...flags,
        });
        const run = { label, result, api: this.view(), config };
        this.runs.push(run);
        return run;
    }

    /** What the API server holds in the stack's namespace now. */
    view(): ApiView {
        const complete = (j: any) => (j.status?.conditions ?? []).some((c: any) => c.type === "Complete" && c.status === "True");
        return {
            uids: this.kubectl.statefulUids(this.namespace),
            jobs: Object.fromEntries(
                this.kubectl.list(this.namespace, "jobs").map((j) => [j.metadata.name, { uid: j.metadata.uid, complete: complete(j) }]),
            ),
            ready: Object.fromEntries(
                this.kubectl
                    .list(this.namespace, "statefulsets")
                    .map((s) => [s.metadata.name, `${s.status?.readyReplicas ?? 0}/${s.spec.replicas}`]),
            ),
        };
    }

    /** The markdown table of every run so far: step | result | engine ms | ops | destructive ops | what the API server shows. */
    table(): string {
        const rows: string[] = [];
        let before: ApiView | undefined;
        for (const run of this.runs) {
            const kept = before ? Object.entries(before.uids).filter(([ref, uid]) => run.api.uids[ref] === uid).length : 0;
            const recreated = before
                ? Object.entries(before.uids).filter(([ref, uid]) => run.api.uids[ref] && run.api.uids[ref] !== uid)
                : [];
            const jobs = Object.values(run.api.jobs);
            const rerun = before
                ? Object.entries(before.jobs).filter(([n, j]) => run.api.jobs[n] && run.api.jobs[n].uid !== j.uid).length
                : 0;
            const server = [
                `sts ${
                    Object.entries(run.api.ready)
                        .map(([n, r]) => `${n} ${r}`)
                        .join(", ") || "none"
                }`,
                `Jobs ${jobs.filter((j) => j.complete).length}/${jobs.length} complete${rerun ? `, ${rerun} RE-RUN (new uid)` : ""}`,
                before
                    ? `${kept} sts/PVC uids kept${recreated.length ? `, RE-CREATED ${recreated.map(([r]) => r).join(" ")}` : ""}`
                    : `${Object.keys(run.api.uids).length} sts/PVC`,
            ].join("; ");
            for (const r of run.result.records) {
                if (r.step === "check" || r.step === "gate") {
                    const first =
                        r.result === "ok"
                            ? (r.detail[0] ?? "")
                            : r.detail
                                  .filter((l) => !/^OPERATION/.test(l))
                                  .slice(0, 2)
                                  .join(" ");
                    rows.push(
                        `| ${run.label} · ${r.step} | ${r.result} | - | - | ${r.destructive.join(", ") || "-"} | ${first.replace(/\|/g, "\\|")} |`,
                    );
                    continue;
                }
                rows.push(
                    `| ${run.label} · ${r.step} | ${r.result} | ${r.engineMs?.toLocaleString("en-US") ?? "-"} | ${formatOps(r.ops)} | ${r.destructive.join(", ") || "none"} | ${r.step === "up" || r.result !== "ok" ? (r.result === "ok" ? server : r.detail.slice(0, 2).join(" ").slice(0, 300).replace(/\|/g, "\\|")) : ""} |`,
                );
            }
            if (run.result.records.every((r) => r.result !== "failed")) before = run.api;
        }
        return [
            `#### ${this.stack} (namespace ${this.namespace})`,
            "",
            "| step | result | engine ms | ops | destructive ops | what the API server shows |",
            "|---|---|---:|---|---|---|",
            ...rows,
        ].join("\n");
    }
}

/**
 * Index in a run's `up` step timeline (scripts/lab/events.ts) of the first event of kind `event`
 * (and op `op`, when given) whose URN matches `urn`; -1 when none.
 */
export function timelineIndex(run: EngineRun, event: "start" | "done", op: string | undefined, urn: RegExp): number {
    const up = run.result.records.find((r) => r.step === "up");
    return up?.log?.timeline.findIndex((e) => e.event === event && (op === undefined || e.op === op) && urn.test(e.urn)) ?? -1;
}
