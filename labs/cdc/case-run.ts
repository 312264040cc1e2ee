/**
 * One run of a RawKV CDC case (`clusterlab:index:CdcCase`): the changefeed pause/resume steps,
 * the workload's two PUT rounds and the checker, chained in the order {@link CASE_STEPS} gives
 * for `cdc.start`, plus the PD-operator disturbance running alongside the writes, and the
 * verdict exporter: a long-lived `rawkv-workload check --serve` that repeats the check once the
 * one-shot checker is done and keeps its result on `/metrics` for Prometheus
 * (`clusterlab_cdc_check_passed`, `clusterlab_cdc_check_keys{result}`, `clusterlab_cdc_check_catchup_seconds`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CdcLabConfig } from "./config";
import { Platform } from "../../components/platform";
import { ScrapeJob } from "../../components/observability/prometheus-config";
import { CASE_STEPS, CaseStep, DISTURB_STARTS_WITH } from "./case";
import { disturbScript } from "./disturb";
import { TikvCdc } from "./tikv-cdc";
import { CHECKER_METRICS_PORT, RAWKV_WORKLOAD_BUILD, WorkloadTargets, checkArgs, putArgs } from "./workload";
import { imageSource, resolveImage } from "../../components/images";

/** Group name of the verdict exporter (stable across runs: a new run rolls it onto the new keys). */
export const VERDICT_GROUP = "rawkv-verdict";

/** Task-name stem of each workload step (`+` is not allowed in container or Job names). */
const TASK_STEM: Record<Exclude<CaseStep, "pause" | "resume">, string> = {
    "put-v": "rawkv-put-v",
    "put-v+1": "rawkv-put-v1",
    check: "rawkv-check",
};

/** Arguments of {@link CdcCaseRun}. */
export interface CdcCaseRunArgs {
    platform: Platform;
    config: CdcLabConfig;
    cdc: TikvCdc;
    targets: WorkloadTargets;
    /** From `runIdentity`: names every step and prefixes every key. */
    run: { id: string; prefix: string };
    /** The PD image (carries `/pd-ctl`), for the disturbance. */
    pdImage: pulumi.Input<string>;
    /** The main cluster's PD URL for pd-ctl, e.g. `http://main-pd-0:2379`. */
    mainPdUrl: string;
}

/** The steps of one case run. */
export class CdcCaseRun extends pulumi.ComponentResource {
    /** Task name of the checker, whose log holds the verdict. */
    public readonly checkTask: string;
    /** Task names in the order they run. */
    public readonly stepTasks: string[] = [];
    /** Scrape job of the verdict exporter. */
    public readonly scrapeJobs: ScrapeJob[];

    constructor(name: string, args: CdcCaseRunArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:CdcCase", name, {}, opts);
        const { platform, config, cdc, targets, run } = args;
        const w = config.workload;
        const image = resolveImage(platform, imageSource(w.image, RAWKV_WORKLOAD_BUILD), this);
        const stepArgs: Record<keyof typeof TASK_STEM, string[]> = {
            "put-v": putArgs(w, run.prefix, targets, 1),
            "put-v+1": putArgs(w, run.prefix, targets, 2),
            check: checkArgs(w, run.prefix, targets),
        };
        this.checkTask = `${TASK_STEM.check}-${run.id}`;
        let previous: pulumi.Resource[] = [...cdc.ready];
        for (const step of CASE_STEPS[config.cdc.start]) {
            if (step === DISTURB_STARTS_WITH && config.cdc.disturb !== "none") {
                const kind = config.cdc.disturb;
                // The run id names the disturbance already (`…-split-…`, `…-tl-…`).
                const name = `disturb-${run.id}`;
                platform.runTask(
                    {
                        name,
                        component: "disturb",
                        image: args.pdImage,
                        command: ["/bin/sh", "-c"],
                        args: [disturbScript(kind, args.mainPdUrl, config.cdc.disturbOperators, config.cdc.disturbIntervalSeconds)],
                        // Runs alongside the writes; `pulumi up` does not wait for it.
                        waitForCompletion: false,
                        retries: 1,
                        dependsOn: previous,
                    },
                    this,
                );
                this.stepTasks.push(name);
            }
            let done: pulumi.Resource;
            if (step === "pause" || step === "resume") {
                done = cdc.changefeedStep(step, run.id, previous);
                this.stepTasks.push(`changefeed-${step}-${run.id}`);
            } else {
                const name = `${TASK_STEM[step]}-${run.id}`;
                done = platform.runTask(
                    {
                        name,
                        component: "rawkv-workload",
                        image,
                        args: stepArgs[step],
                        waitForCompletion: true,
                        dependsOn: previous,
                    },
                    this,
                );
                this.stepTasks.push(name);
            }
            previous = [done];
        }
        platform.deployGroup(
            {
                name: VERDICT_GROUP,
                component: "rawkv-workload",
                replicas: 1,
                image,
                args: () => [...stepArgs.check, "--serve"],
                ports: [{ name: "metrics", containerPort: CHECKER_METRICS_PORT }],
                dependsOn: previous,
            },
            this,
        );
        this.scrapeJobs = [{ job: VERDICT_GROUP, targets: [`${platform.serviceHost(VERDICT_GROUP)}:${CHECKER_METRICS_PORT}`] }];
        this.registerOutputs({ checkTask: this.checkTask, stepTasks: this.stepTasks });
    }
}
