/**
 * Why this emulator stays: the docker provider (`pulumi-resource-docker`) is not served by the Go
 * module proxy, so the real engine (tests/engine/, `npm run test:engine`) cannot run a Docker
 * stack here; the Docker tier applies what the program renders through this stand-in instead.
 *
 * Creates a stack's evaluated graph (tests/support/evaluate.ts, under mocks) on a real Docker
 * engine through dockerode, the way the pulumi-docker provider would create it from the same
 * inputs. The provider itself cannot be installed here; this is the stand-in.
 *
 * The mapping (input docs: @pulumi/docker `container.d.ts`, `network.d.ts`, `volume.d.ts`,
 * `remoteImage.d.ts`, which are kreuzwerker/terraform-provider-docker's schema; Engine API
 * docs.docker.com/reference/api/engine/version/v1.41/):
 *
 * | pulumi-docker | Engine API |
 * |---|---|
 * | `Network {name, driver, labels}` | `POST /networks/create {Name, Driver, Labels}` |
 * | `Volume {name, labels}` | `POST /volumes/create {Name, Labels}`; an existing volume is reused (retainOnDelete keeps it) |
 * | `RemoteImage {name}` | not pulled (no registry is reachable here): the image must already be on the engine; its mock `imageId` is mapped back to `name` |
 * | `Container {name, image, entrypoints, command, envs, labels, hostname}` | `POST /containers/create {Image, Entrypoint, Cmd, Env, Labels, Hostname}` |
 * | `networksAdvanced[{name, aliases}]` | `HostConfig.NetworkMode` + `NetworkingConfig.EndpointsConfig[name].Aliases` |
 * | `ports[{internal, external, ip}]` | `ExposedPorts` + `HostConfig.PortBindings` |
 * | `volumes[{volumeName, containerPath}]` | `HostConfig.Binds: ["<volume>:<path>"]` |
 * | `restart`, `maxRetryCount`, `ulimits` | `HostConfig.RestartPolicy`, `HostConfig.Ulimits` |
 * | `healthcheck {tests, interval, timeout, retries, startPeriod}` | `Healthcheck {Test, Interval, Timeout (ns), Retries, StartPeriod}` |
 * | `uploads[{file, content}]` | `PUT /containers/{id}/archive` (a tar at `/`) after create, before start, as the provider does |
 * | `start` (default true) | `POST /containers/{id}/start` |
 * | `attach: true` | waits for the container to exit ("attach to the container after its creation and waits the end of its execution"); the exit code is recorded for the tests to judge. A non-zero code fails the apply and creates nothing that depends on it, as the platform's exit gate does (the provider itself would succeed) |
 * | `wait: true`, `waitTimeout` (s, default 60) | polls `State.Health.Status` until `healthy`; fails like the provider (`container failed to be in healthy state`) |
 * | `mustRun` (default true) | a started, non-attached container must be running after start |
 * | `dependsOn` (recorded by evaluate) | a resource is created once everything it depends on is; independent resources in parallel, as the engine does |
 *
 * What it does NOT prove: anything about the engine's diff (which inputs replace or update a
 * resource, `deleteBeforeReplace`, `replaceOnChanges`, `retainOnDelete` on destroy). Those are
 * checked under mocks and against real engine output elsewhere; here every apply is a create.
 */
import { isDeepStrictEqual } from "node:util";
import Docker from "dockerode";
import { pack } from "tar-stream";
import { Graph, RegisteredResource, keyOf, mockImageId } from "./evaluate";

const T = {
    network: "docker:index/network:Network",
    volume: "docker:index/volume:Volume",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    image: "docker:index/image:Image",
    container: "docker:index/container:Container",
} as const;

/** Go duration strings as the provider takes them (`5s`, `1m`, `500ms`) → nanoseconds. */
export function durationNs(text: string): number {
    const units: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    const m = /^([0-9]+)(ms|s|m|h)$/.exec(text);
    if (!m) throw new Error(`unsupported duration ${text}`);
    return Number(m[1]) * units[m[2]];
}

/** What happened to one container. */
export interface ContainerResult {
    /** Resource name in the graph (`etcd-0`, `scenario-fsync-delay-…`). */
    resource: string;
    /** Docker container name. */
    name: string;
    id: string;
    /** Exit code of an attached (`attach: true`) step. */
    exitCode?: number;
    /** Milliseconds from create to healthy (`wait: true`) or to exit (`attach: true`). */
    readyMs?: number;
}

/** Options of {@link applyGraph}. */
export interface ApplyOptions {
    /** Only these resources (graph keys or container resource names); default all. Their dependencies must exist. */
    only?: (r: RegisteredResource) => boolean;
    /**
     * Resource names whose existing container is removed right before its new one is created,
     * in dependency order — a replacement as `pulumi up` performs it (delete, then create, when
     * the resource's turn comes), so what the old one served stays up until then.
     */
    replace?: Set<string>;
    /** Progress lines (default: none). */
    log?: (line: string) => void;
}

/** Real names of the graph's networks and images, keyed by the mock ids containers carry. */
function idTable(graph: Graph): Map<string, string> {
    const ids = new Map<string, string>();
    for (const r of graph.resources.values()) {
        if (r.type === T.network) ids.set(`${r.name}-id`, r.inputs.name);
        if (r.type === T.remoteImage) ids.set(mockImageId(r.name, r.inputs.platform), r.inputs.name);
    }
    return ids;
}

/** The Engine API create body for a pulumi-docker Container's inputs. */
export function containerCreateBody(inputs: Record<string, any>, ids: Map<string, string>): Docker.ContainerCreateOptions {
    const resolve = (v: string) => ids.get(v) ?? v;
    const networks: { name: string; aliases?: string[] }[] = inputs.networksAdvanced ?? [];
    const ports: { internal: number; external?: number; ip?: string; protocol?: string }[] = inputs.ports ?? [];
    const hc = inputs.healthcheck;
    return {
        name: inputs.name,
        Image: resolve(inputs.image),
        Entrypoint: inputs.entrypoints,
        Cmd: inputs.command,
        Env: inputs.envs ?? [],
        Hostname: inputs.hostname,
        Labels: Object.fromEntries((inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value])),
        ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}])),
        Healthcheck: hc
            ? {
                  Test: hc.tests,
                  Interval: durationNs(hc.interval ?? "0s"),
                  Timeout: durationNs(hc.timeout ?? "0s"),
                  Retries: hc.retries ?? 0,
                  StartPeriod: durationNs(hc.startPeriod ?? "0s"),
              }
            : undefined,
        HostConfig: {
            NetworkMode: networks.length ? resolve(networks[0].name) : undefined,
            PortBindings: Object.fromEntries(
                ports
                    .filter((p) => p.external)
                    .map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, [{ HostIp: p.ip ?? "", HostPort: String(p.external) }]]),
            ),
            Binds: (inputs.volumes ?? []).map((v: { volumeName: string; containerPath: string }) => `${v.volumeName}:${v.containerPath}`),
            RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
            Ulimits: (inputs.ulimits ?? []).map((u: { name: string; soft: number; hard: number }) => ({
                Name: u.name,
                Soft: u.soft,
                Hard: u.hard,
            })),
        },
        NetworkingConfig: {
            EndpointsConfig: Object.fromEntries(networks.map((n) => [resolve(n.name), { Aliases: n.aliases ?? [] }])),
        },
    };
}

/** A tar archive (as the provider builds for `uploads`) holding each file at its absolute path. */
async function uploadArchive(uploads: { file: string; content: string }[]): Promise<Buffer> {
    const tar = pack();
    for (const u of uploads) tar.entry({ name: u.file.replace(/^\//, ""), mode: 0o644 }, u.content);
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
}

async function ensureNetwork(docker: Docker, inputs: Record<string, any>): Promise<void> {
    const existing = await docker.listNetworks({ filters: { name: [inputs.name] } });
    if (existing.some((n) => n.Name === inputs.name)) return;
    await docker.createNetwork({
        Name: inputs.name,
        Driver: inputs.driver ?? "bridge",
        Labels: Object.fromEntries((inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value])),
    });
}

async function ensureVolume(docker: Docker, inputs: Record<string, any>): Promise<void> {
    await docker.createVolume({
        Name: inputs.name,
        Labels: Object.fromEntries((inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value])),
    });
}

/**
 * Creates one container as the provider would: create, upload files, start, then wait for
 * healthy (`wait`) or for exit (`attach`).
 * @throws Error when the image is missing, the container is not healthy within `waitTimeout`, or a `mustRun` container is not running.
 */
export async function createContainer(docker: Docker, r: RegisteredResource, ids: Map<string, string>): Promise<ContainerResult> {
    const body = containerCreateBody(r.inputs, ids);
    const started = Date.now();
    const container = await docker.createContainer(body);
    if (r.inputs.uploads?.length) await container.putArchive(await uploadArchive(r.inputs.uploads), { path: "/" });
    const result: ContainerResult = { resource: r.name, name: r.inputs.name, id: container.id };
    if (r.inputs.start === false) return result;
    await container.start();
    if (r.inputs.attach) {
        const { StatusCode } = await container.wait();
        return { ...result, exitCode: StatusCode, readyMs: Date.now() - started };
    }
    if (r.inputs.wait) {
        const deadline = started + (r.inputs.waitTimeout ?? 60) * 1000;
        for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
            const state = (await container.inspect()).State;
            if (state.Health?.Status === "healthy") return { ...result, readyMs: Date.now() - started };
            await new Promise((res) => setTimeout(res, 250));
        }
        const state = (await container.inspect()).State;
        const lastProbe = state.Health?.Log?.at(-1)?.Output?.trim();
        throw new Error(`${r.name}: container failed to be in healthy state (${state.Health?.Status}; last probe: ${lastProbe})`);
    }
    if (r.inputs.mustRun ?? true) {
        const state = (await container.inspect()).State;
        if (!state.Running) throw new Error(`${r.name}: container exited (${state.ExitCode}) and mustRun is true`);
    }
    return result;
}

/**
 * Creates the graph's Docker resources on `docker`, honouring `dependsOn` (each resource
 * starts when its dependencies are done; the rest run in parallel). Networks, volumes and
 * image checks come first, as every container refers to them through its inputs.
 * @returns each created container's result, by resource name.
 * @throws Error on the first failure (a missing image, an unsupported resource, an unhealthy container).
 */
export async function applyGraph(docker: Docker, graph: Graph, options: ApplyOptions = {}): Promise<Map<string, ContainerResult>> {
    const ids = idTable(graph);
    const custom = [...graph.resources.values()].filter((r) => r.custom && r.type.startsWith("docker:"));
    const selected = custom.filter((r) => r.type !== T.container || (options.only?.(r) ?? true));
    for (const r of selected.filter((r) => r.type === T.image)) {
        throw new Error(`${r.name}: docker.Image builds are not mapped here; give the lab a pulled image (load.image)`);
    }
    for (const r of selected.filter((r) => r.type === T.remoteImage)) {
        try {
            await docker.getImage(r.inputs.name).inspect();
        } catch {
            throw new Error(`${r.name}: image ${r.inputs.name} is not on the engine (no registry to pull from here)`);
        }
    }
    for (const r of selected.filter((r) => r.type === T.network)) await ensureNetwork(docker, r.inputs);
    for (const r of selected.filter((r) => r.type === T.volume)) await ensureVolume(docker, r.inputs);

    const results = new Map<string, ContainerResult>();
    const done = new Map<string, Promise<void>>();
    const containers = selected.filter((r) => r.type === T.container);
    const selectedKeys = new Set(containers.map(keyOf));
    const run = (r: RegisteredResource): Promise<void> => {
        const key = keyOf(r);
        let p = done.get(key);
        if (!p) {
            // Dependencies outside the selection were applied earlier (or are not containers).
            const deps = (graph.dependsOn.get(key) ?? []).filter((d) => selectedKeys.has(d)).map((d) => run(graph.resources.get(d)!));
            p = Promise.all(deps).then(async () => {
                if (options.replace?.has(r.name)) await docker.getContainer(r.inputs.name).remove({ force: true });
                options.log?.(`create ${r.name}`);
                const res = await createContainer(docker, r, ids);
                options.log?.(
                    `  ${r.name}: ${res.exitCode !== undefined ? `exit ${res.exitCode}` : "started"}${res.readyMs !== undefined ? ` after ${res.readyMs} ms` : ""}`,
                );
                results.set(r.name, res);
                // The platform gates what waits for a waited-for task on its exit code (components/platform/docker.ts
                // `runTask`): nothing after a failed step is created, and the update fails.
                if (res.exitCode !== undefined && res.exitCode !== 0) {
                    throw new Error(
                        `task ${r.name} exited ${res.exitCode}: nothing that waits for it is created (docker logs ${res.name})`,
                    );
                }
            });
            done.set(key, p);
        }
        return p;
    };
    // allSettled first so no creation is left running unobserved when one fails.
    const settled = await Promise.allSettled(containers.map(run));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return results;
}

/**
 * Removes every container, network and volume labelled `clusterlab.stack=<stack>` (what the
 * platform labels everything with), containers first.
 * @param keepVolumes leave the volumes (as `retainOnDelete` does on a destroy).
 */
export async function removeStack(docker: Docker, stack: string, keepVolumes = false): Promise<void> {
    const filters = { label: [`clusterlab.stack=${stack}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: false });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
    if (!keepVolumes) for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
}

/** Removes one container by resource name from the graph (by its Docker name), volume kept. */
export async function removeContainer(docker: Docker, graph: Graph, resource: string): Promise<void> {
    const r = [...graph.resources.values()].find((x) => x.type === T.container && x.name === resource);
    if (!r) throw new Error(`no container resource ${resource}`);
    await docker.getContainer(r.inputs.name).remove({ force: true });
}

/**
 * What `pulumi up` does to the containers going from `before` to `after` (undefined: a new
 * stack): create the new ones, replace those whose inputs changed, delete those that are gone.
 */
export function containerChanges(
    before: Graph | undefined,
    after: Graph,
): { create: string[]; replace: string[]; remove: RegisteredResource[] } {
    const containers = (g: Graph) => [...g.resources.values()].filter((r) => r.type === T.container);
    const old = new Map((before ? containers(before) : []).map((r) => [r.name, r]));
    const now = containers(after);
    return {
        create: now.filter((r) => !old.has(r.name)).map((r) => r.name),
        replace: now.filter((r) => old.has(r.name) && !isDeepStrictEqual(old.get(r.name)!.inputs, r.inputs)).map((r) => r.name),
        remove: [...old.values()].filter((r) => !now.some((n) => n.name === r.name)),
    };
}
