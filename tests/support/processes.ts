/**
 * Child processes for real-binary tests: free loopback ports, bounded waits, and a
 * registry that kills everything it started (SIGTERM, then SIGKILL after 5 s).
 */
import { ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (the kernel picks it; released before returning). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as { port: number }).port;
            server.close(() => resolve(port));
        });
    });
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
    const ports = new Set<number>();
    for (let i = 0; ports.size < n && i < n * 10; i++) ports.add(await freePort());
    if (ports.size < n) throw new Error(`could not find ${n} free ports`);
    return [...ports];
}

/**
 * Polls `check` until it returns a value other than undefined, every `intervalMs`, at most `timeoutMs`.
 * @throws Error with `what` and the last failure when time runs out.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let attempt = 0; Date.now() < deadline && attempt < timeoutMs / intervalMs + 1; attempt++) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (err) {
            last = err;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Processes started by a test, stopped together. */
export class ProcessGroup {
    private readonly children: { name: string; child: ChildProcess }[] = [];

    /** Starts `cmd args`, logging stdout/stderr to `logFile`. */
    start(name: string, cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
        const log = createWriteStream(logFile);
        const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        // Both streams into one file: neither may end it (stderr can still write after stdout ends),
        // so it is closed once the child has exited and both streams are drained.
        child.stdout?.pipe(log, { end: false });
        child.stderr?.pipe(log, { end: false });
        child.once("close", () => log.end());
        this.children.push({ name, child });
        return child;
    }

    /** Names of started processes that have exited. */
    exited(): string[] {
        return this.children.filter((c) => c.child.exitCode !== null || c.child.signalCode !== null).map((c) => c.name);
    }

    /** Stops every process: SIGTERM, then SIGKILL for any still alive after 5 s. */
    async stopAll(): Promise<void> {
        await Promise.all(this.children.map(({ child }) => stopProcess(child, 5_000)));
        this.children.length = 0;
    }
}

/** Stops one child by its PID: SIGTERM, then SIGKILL after `killAfterMs`; resolves once it exited (at once if it had). */
export function stopProcess(child: ChildProcess, killAfterMs: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        child.kill("SIGTERM");
    });
}
