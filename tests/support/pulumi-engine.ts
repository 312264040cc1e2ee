/**
 * The real Pulumi engine for the engine tier and the engine bench: `../shared/tools/pulumi-engine/up.sh`
 * installs the Pulumi CLI v3.276.0 and the kubernetes provider 4.32.0 (from checksummed prebuilt
 * copies, or built from the Go module proxy) and prints its bin directory, which goes first on
 * PATH so the CLI finds the provider there and never tries a download.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./evaluate";

/** The installer, beside the checkout as in CI (`PULUMI_ENGINE_UP` overrides). */
export const ENGINE_UP = process.env.PULUMI_ENGINE_UP ?? join(ROOT, "..", "shared", "tools", "pulumi-engine", "up.sh");

/**
 * Installs the engine (seconds when the prebuilt copies are there; up to `timeoutMs`) and puts
 * its bin directory first on this process's PATH.
 * @returns `pulumi version` (e.g. `v3.276.0`)
 * @throws Error when up.sh is missing or fails, or the installed CLI does not run.
 */
export function installEngine(timeoutMs = 40 * 60_000): string {
    if (!existsSync(ENGINE_UP)) throw new Error(`${ENGINE_UP} not found: the engine tier needs ../shared beside the checkout`);
    const r = spawnSync("bash", [ENGINE_UP], { encoding: "utf8", timeout: timeoutMs });
    if (r.status !== 0)
        throw new Error(`pulumi-engine up.sh failed (${r.status ?? r.signal}):\n${(r.stderr ?? "").split("\n").slice(-15).join("\n")}`);
    const bin = r.stdout.trim().split("\n").pop()!;
    process.env.PATH = `${bin}:${process.env.PATH}`;
    const v = spawnSync("pulumi", ["version"], { encoding: "utf8" });
    if (v.status !== 0) throw new Error(`pulumi from ${bin} does not run: ${v.stderr}`);
    return v.stdout.trim();
}
