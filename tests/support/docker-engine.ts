/**
 * A Docker engine for the Docker test tier: the one that answers (`DOCKER_HOST`, the default
 * socket, or one this helper started before), else a `dockerd` started here with its own
 * socket, pidfile, exec-root and data-root, stopped afterwards by its PID.
 *
 * The data-root lives under the user's cache (`~/.cache/clusterlab/docker-data`) so images
 * built by one run are found by the next (see docker-images.ts). dockerd flags:
 * docs.docker.com/reference/cli/dockerd/ (`--host`, `--pidfile`, `--data-root`, `--exec-root`).
 */
import Docker from "dockerode";
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./processes";
import { requireTool } from "./tools";

/** Where a started engine keeps its socket and pidfile. */
const RUN_DIR = "/run/clusterlab-docker";
/** Where a started engine keeps images and volumes (survives runs: the image cache). */
export const CACHE_DIR = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "clusterlab");

/** A connected engine, and how to let go of it. */
export interface Engine {
    docker: Docker;
    /** `unix://…` address of the engine, for messages and the docker CLI. */
    host: string;
    /** Whether this helper started dockerd (then `stop` kills it by PID). */
    started: boolean;
    /** Stops dockerd if this helper started it (SIGTERM, then SIGKILL after 20 s); otherwise nothing. */
    stop(): Promise<void>;
}

async function answers(socketPath: string): Promise<Docker | undefined> {
    if (!existsSync(socketPath)) return undefined;
    const docker = new Docker({ socketPath, timeout: 5_000 });
    try {
        await docker.ping();
        return new Docker({ socketPath });
    } catch {
        return undefined;
    }
}

/**
 * Connects to a running engine or starts one.
 * @throws Error when `dockerd` is missing (names the Debian package) or does not answer within 60 s.
 */
export async function connectEngine(): Promise<Engine> {
    const candidates = [
        ...(process.env.DOCKER_HOST?.startsWith("unix://") ? [process.env.DOCKER_HOST.slice("unix://".length)] : []),
        "/var/run/docker.sock",
        join(RUN_DIR, "docker.sock"),
    ];
    for (const socketPath of candidates) {
        const docker = await answers(socketPath);
        if (docker) return { docker, host: `unix://${socketPath}`, started: false, stop: async () => undefined };
    }
    const dockerd = requireTool("dockerd");
    mkdirSync(RUN_DIR, { recursive: true });
    const dataRoot = join(CACHE_DIR, "docker-data");
    mkdirSync(dataRoot, { recursive: true });
    const socketPath = join(RUN_DIR, "docker.sock");
    const log = createWriteStream(join(RUN_DIR, "dockerd.log"));
    const child = spawn(
        dockerd,
        [
            `--host=unix://${socketPath}`,
            `--pidfile=${join(RUN_DIR, "dockerd.pid")}`,
            `--exec-root=${join(RUN_DIR, "exec")}`,
            `--data-root=${dataRoot}`,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const stop = () =>
        new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
            child.once("exit", () => {
                clearTimeout(timer);
                resolve();
            });
            child.kill("SIGTERM");
        });
    try {
        const docker = await waitFor(
            `dockerd (log ${join(RUN_DIR, "dockerd.log")})`,
            async () => {
                if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}`);
                return answers(socketPath);
            },
            60_000,
            500,
        );
        return { docker, host: `unix://${socketPath}`, started: true, stop };
    } catch (err) {
        await stop();
        throw err;
    }
}

/**
 * A container's stdout and stderr as text (the last `tail` lines of each when given). The
 * Engine API multiplexes both streams of a container without a TTY into frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian uint32 payload size) and the payload (Docker
 * Engine API, "Attach to a container": stream format); this strips the headers.
 */
export async function containerLogs(docker: Docker, id: string, tail?: number): Promise<string> {
    const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, ...(tail ? { tail } : {}) })) as Buffer;
    const parts: Buffer[] = [];
    for (let at = 0; at + 8 <= raw.length; ) {
        const size = raw.readUInt32BE(at + 4);
        parts.push(raw.subarray(at + 8, at + 8 + size));
        at += 8 + size;
    }
    return Buffer.concat(parts).toString("utf8");
}
