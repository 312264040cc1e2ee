/**
 * Evaluates the clusterlab program under Pulumi mocks (`pulumi.runtime.setMocks`) and
 * returns the resource graph it registers: type, name and resolved inputs of each.
 * Used by the unit tests, the phase-diff check and `npm run bench`.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { createHash } from "node:crypto";
import { StackConfig, parseStackConfig, stripNamespace } from "../../components/config";
import { GUARD_OUTPUT, GuardState, checkTransition, guardState } from "../../components/guard";
import { buildLab } from "../../components/lab";

/**
 * Waits until every resource registration has reached the mocks. `runtime.waitForRPCs` is
 * marked internal in @pulumi/pulumi's typings (runtime/settings.ts), hence the cast; it is
 * what `runtime.disconnect` awaits.
 */
export function settle(): Promise<void> {
    const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (!wait) throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs: update tests/support/evaluate.ts");
    return wait();
}

/** The project root. */
export const ROOT = join(__dirname, "..", "..");

/** One registered resource. */
export interface RegisteredResource {
    type: string;
    name: string;
    /** `custom` resources are provider resources; the rest are components. */
    custom: boolean;
    inputs: Record<string, any>;
}

/** A registered graph, keyed by `<type>::<name>` (names are unique per type in clusterlab). */
export interface Graph {
    resources: Map<string, RegisteredResource>;
    /** Explicit `dependsOn` edges: resource key → keys it waits for (recorded by {@link evaluate}). */
    dependsOn: Map<string, string[]>;
    /** `replaceOnChanges` options: resource key → input paths (recorded by {@link evaluate}). */
    replaceOnChanges: Map<string, string[]>;
    /** Keys of resources registered with `protect: true` (recorded by {@link evaluate}; absent in hand-made graphs). */
    protect?: Set<string>;
    /** Keys of resources registered with `retainOnDelete: true` (recorded by {@link evaluate}; absent in hand-made graphs). */
    retainOnDelete?: Set<string>;
    /** `customTimeouts` options: resource key → timeouts (recorded by {@link evaluate}; absent in hand-made graphs). */
    customTimeouts?: Map<string, pulumi.CustomTimeouts>;
    outputs: Record<string, unknown>;
}

/** Whether `from` waits for `to`, directly or through other resources' `dependsOn`. */
export function waitsFor(graph: Graph, from: string, to: string): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
        const cur = stack.pop()!;
        for (const next of graph.dependsOn.get(cur) ?? []) {
            if (next === to) return true;
            if (!seen.has(next)) {
                seen.add(next);
                stack.push(next);
            }
        }
    }
    return false;
}

/** Key of a resource in a {@link Graph}. */
export function keyOf(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/** The image id the mocks give a pulled image: `sha256:mock-<resource name>@<platform>`. */
export function mockImageId(name: string, platform?: string): string {
    return `sha256:mock-${name}${platform ? `@${platform}` : ""}`;
}

/**
 * Placeholder PEM text of a mocked tls resource: `mock-tls:<name>:<kind>:<hash of its inputs>`,
 * so new inputs (a replacement, for the real provider) give new text, as a re-issue would.
 * tests/support/tls.ts turns the registered inputs into real keys and certificates.
 */
export function mockTlsPem(name: string, kind: "key" | "cert" | "csr", inputs: Record<string, unknown>): string {
    return `mock-tls:${name}:${kind}:${createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 12)}`;
}

/** What the mock provider returns as state: inputs plus the outputs our code reads. */
function mockState(type: string, name: string, inputs: Record<string, any>, previousOutputs?: Record<string, unknown>) {
    switch (type) {
        // The image id depends on the platform pulled, as a real digest does: an arch change reaches the containers.
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: mockImageId(name, inputs.platform), repoDigest: `${inputs.name}@sha256:mock` };
        case "docker:index/image:Image":
            return { ...inputs, repoDigest: `${inputs.imageName}@sha256:mock` };
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: "mock-random-password" };
        case "tls:index/privateKey:PrivateKey":
            return { ...inputs, privateKeyPem: mockTlsPem(name, "key", inputs), publicKeyPem: `${mockTlsPem(name, "key", inputs)}:public` };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: mockTlsPem(name, "csr", inputs) };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: mockTlsPem(name, "cert", inputs) };
        case "pulumi:pulumi:StackReference":
            return { ...inputs, outputs: previousOutputs ?? {}, secretOutputNames: [] };
        default:
            return inputs;
    }
}

/**
 * Installs mocks that record every resource into a fresh graph.
 * @param previousOutputs what a StackReference to this stack returns (the last deployment's outputs).
 */
export async function recordingMocks(stack: string, previousOutputs?: Record<string, unknown>): Promise<Graph> {
    const graph: Graph = {
        resources: new Map(),
        dependsOn: new Map(),
        replaceOnChanges: new Map(),
        protect: new Set(),
        retainOnDelete: new Set(),
        customTimeouts: new Map(),
        outputs: {},
    };
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type !== "pulumi:pulumi:StackReference" && args.type !== "pulumi:pulumi:Stack") {
                    graph.resources.set(keyOf(args), {
                        type: args.type,
                        name: args.name,
                        custom: args.custom ?? true,
                        inputs: args.inputs,
                    });
                }
                return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, previousOutputs) };
            },
            call(args) {
                return args.inputs;
            },
        },
        "clusterlab",
        stack,
        false,
        "organization",
    );
    return graph;
}

/**
 * Evaluates a parsed config (the program minus its config reading).
 * @param previous the last deployment's guard state, as index.ts would read it.
 * @returns the registered graph and the lab's outputs, all promises settled.
 */
export async function evaluate(config: StackConfig, stack = "test", previous?: GuardState): Promise<Graph> {
    return withPlainStackTraces(() => evaluateOnce(config, stack, previous));
}

/**
 * Runs `work` with V8's own stack-trace formatting instead of ts-node's source-map-support.
 *
 * Why: @pulumi/pulumi captures a full stack (`Error.stackTraceLimit = Infinity`) in every
 * `Resource` constructor (`resource.js`, `Resource.callsites`) and one per `debuggablePromise`
 * (`runtime/debuggable.js`), ~150 per resource. Under ts-node each capture is rewritten frame by
 * frame through source maps (`@cspotcode/source-map-support` `wrapCallSite`), and the stacks
 * grow with the number of resources already registered, so evaluation time grew faster than the
 * resource count (profiled with `node --cpu-prof`: source-map-support and GC were the top self
 * time, growing 4.6× for 3.9× the resources). Each debuggablePromise also keeps its stack
 * string until it settles, so the live heap, and with it garbage collection, grows with the
 * graph; mocha sets `Error.stackTraceLimit = Infinity`, which makes every string longer. So
 * during evaluation stacks are not captured at all (`stackTraceLimit = 0`; the SDK's own
 * per-resource capture sets its limit itself and is parsed, not kept). Mocks never read those
 * positions. Errors thrown meanwhile keep their message; `CLUSTERLAB_FULL_STACKS=1` keeps
 * full, source-mapped stacks for debugging.
 */
export async function withPlainStackTraces<T>(work: () => Promise<T>): Promise<T> {
    if (process.env.CLUSTERLAB_FULL_STACKS === "1") return work();
    const saved = { prepare: Error.prepareStackTrace, limit: Error.stackTraceLimit };
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    Error.stackTraceLimit = 0;
    try {
        return await work();
    } finally {
        Error.prepareStackTrace = saved.prepare;
        Error.stackTraceLimit = saved.limit;
    }
}

async function evaluateOnce(config: StackConfig, stack: string, previous?: GuardState): Promise<Graph> {
    const graph = await recordingMocks(stack);
    let outputs: Record<string, unknown> = {};
    // Inside a root stack so a stack transformation sees every resource's options: mocks do not
    // receive `dependsOn`, and ordering is what several checks are about.
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            if (args.opts.protect) graph.protect?.add(keyOf(args));
            if (args.opts.retainOnDelete) graph.retainOnDelete?.add(keyOf(args));
            const timeouts = (args.opts as pulumi.CustomResourceOptions).customTimeouts;
            if (timeouts) graph.customTimeouts?.set(keyOf(args), timeouts);
            const deps = args.opts.dependsOn;
            // A dependency can be an Output of a resource (the Docker platform's task exit gates): its resources are the edge.
            const list = (Array.isArray(deps) ? deps : deps ? [deps] : []).flatMap((d) =>
                pulumi.Output.isInstance(d) ? [...(d as unknown as { resources(): Set<pulumi.Resource> }).resources()] : [d],
            ) as unknown as { __pulumiType: string; __name: string }[];
            if (list.length)
                graph.dependsOn.set(
                    keyOf(args),
                    list.map((d) => keyOf({ type: d.__pulumiType, name: d.__name })),
                );
            if (args.opts.replaceOnChanges?.length) graph.replaceOnChanges.set(keyOf(args), args.opts.replaceOnChanges);
            return undefined;
        });
        outputs = buildLab(config, stack, previous).outputs;
        return {};
    });
    await settle();
    graph.outputs = await resolveAll(outputs);
    await settle();
    return graph;
}

/** What {@link evaluateChange} gives: the graphs before and after a change, the guard state after it, and the new config. */
export interface EvaluatedChange {
    before: Graph;
    after: Graph;
    state: GuardState;
    config: StackConfig;
}

/**
 * A `pulumi up` from config `a` to config `b` of stack `stack` under mocks: asserts the guard lets
 * it through, then evaluates both against `a`'s guard state (the program for `a` again, and for
 * `b`, as the engine would compare them).
 */
export async function evaluateChange(stack: string, a: StackConfig, b: StackConfig): Promise<EvaluatedChange> {
    const deployed = guardState(a);
    assert.deepEqual(checkTransition(deployed, b), [], "the guard refuses the change");
    return {
        before: await evaluate(a, stack, deployed),
        after: await evaluate(b, stack, deployed),
        state: guardState(b, deployed),
        config: b,
    };
}

/** Resolves a record of Inputs to plain values. */
export async function resolveAll(values: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => pulumi.output(values).apply((v) => resolve(v as Record<string, unknown>)));
}

/**
 * Runs `index.ts` itself under mocks with a raw config (as the engine would pass it),
 * optionally with a previous deployment's guard output.
 * @returns the graph, or the error the program threw.
 */
export async function runProgram(
    rawConfig: Record<string, unknown>,
    stack: string,
    previousGuard?: GuardState,
): Promise<{ graph: Graph; error?: Error; outputs?: Record<string, unknown> }> {
    const graph = await recordingMocks(stack, previousGuard ? { [GUARD_OUTPUT]: previousGuard } : {});
    pulumi.runtime.setAllConfig(
        Object.fromEntries(
            Object.entries(rawConfig).map(([k, v]) => [
                k.includes(":") ? k : `clusterlab:${k}`,
                typeof v === "string" ? v : JSON.stringify(v),
            ]),
        ),
    );
    // index.ts exports its program as a function; require it fresh each time.
    const modulePath = require.resolve(join(ROOT, "index.ts"));
    delete require.cache[modulePath];
    const program = require(modulePath) as () => Promise<Record<string, unknown>>;
    try {
        const outputs = await withPlainStackTraces(async () => resolveAll(await program()));
        await settle();
        return { graph, outputs };
    } catch (error) {
        await settle();
        return { graph, error: error as Error };
    } finally {
        pulumi.runtime.setAllConfig({});
    }
}

/**
 * The stack files the repository ships: tracked by git (`git ls-files`), so a stack a user
 * made with `pulumi stack init` (which writes `Pulumi.<stack>.yaml` beside these) is not
 * evaluated as one of ours. Outside a git checkout (an exported tarball), every file.
 */
function shippedStackFiles(): string[] {
    const all = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
    const git = spawnSync("git", ["ls-files", "--", "Pulumi.*.yaml"], { cwd: ROOT, encoding: "utf8" });
    if (git.status !== 0) return all.sort();
    const tracked = new Set(git.stdout.split("\n").filter(Boolean));
    return all.filter((f) => tracked.has(f)).sort();
}

/** The ready-made stack files: stack name → its `config:` block. */
export function stackFiles(): Map<string, Record<string, unknown>> {
    const stacks = new Map<string, Record<string, unknown>>();
    for (const file of shippedStackFiles()) {
        const doc = parse(readFileSync(join(ROOT, file), "utf8")) ?? {};
        stacks.set(file.replace(/^Pulumi\.|\.yaml$/g, ""), (doc.config ?? {}) as Record<string, unknown>);
    }
    return stacks;
}

/** Parses a ready-made stack's config, with optional overrides of top-level keys. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
    const raw = stackFiles().get(stack);
    if (!raw) throw new Error(`no Pulumi.${stack}.yaml`);
    return parseStackConfig(deepMerge(stripNamespace(raw), overrides));
}

/** Merges `b` into `a`, objects recursively. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
        const cur = out[k];
        out[k] =
            v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
                ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
                : v;
    }
    return out;
}

/**
 * The files a group's first member sees, path → content, as the platform writes them: Docker
 * uploads on `<group>-0`, or the `<group>-files` ConfigMap mounted by subPath on Kubernetes.
 * @throws AssertionError when the group renders no files.
 */
export function renderedFiles(graph: Graph, group: string): Record<string, string> {
    const container = ofType(graph, "docker:index/container:Container").find((c) => c.name === `${group}-0`);
    if (container) return Object.fromEntries(container.inputs.uploads.map((u: { file: string; content: string }) => [u.file, u.content]));
    const configMap = ofType(graph, "kubernetes:core/v1:ConfigMap").find((c) => c.name === `${group}-files`);
    const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((c) => c.name === group);
    assert.ok(configMap && sts, `${group}: no rendered files`);
    const mounts: { mountPath: string; subPath?: string }[] = sts.inputs.spec.template.spec.containers[0].volumeMounts;
    return Object.fromEntries(mounts.filter((m) => m.subPath).map((m) => [m.mountPath, configMap.inputs.data[m.subPath!]]));
}

/** Resources of one type in a graph. */
export function ofType(graph: Graph, type: string): RegisteredResource[] {
    return [...graph.resources.values()].filter((r) => r.type === type);
}
