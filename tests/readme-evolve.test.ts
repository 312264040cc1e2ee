/**
 * The README's "Evolve a live stack" commands work as printed: the `pulumi config set` lines of
 * that block are applied in order to an empty stack config (as the Pulumi CLI would store them,
 * `--path` making nested keys), and at each `pulumi up` the config parses and the guard allows
 * the step from the previous one.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseStackConfig } from "../components/config";
import { GuardState, checkTransition, guardState } from "../components/guard";

/** The shell block under the README heading `heading`. */
function blockUnder(heading: string): string {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const start = readme.indexOf(`## ${heading}`);
    assert.ok(start >= 0, `README has no section "${heading}"`);
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
    assert.ok(block, `no sh block under "${heading}"`);
    return block[1];
}

/** Sets `value` at a dotted `path` (what `pulumi config set --path` does), as a string the engine would pass. */
function setPath(config: Record<string, unknown>, path: string, value: string) {
    const keys = path.split(".");
    let node = config;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    // --path values are stored typed when they look like numbers or booleans (pulumi CLI `config set --path`).
    node[keys[keys.length - 1]] = /^(true|false)$/.test(value) ? value === "true" : /^[0-9]+$/.test(value) ? Number(value) : value;
}

describe("README: Evolve a live stack", () => {
    it("every step's config parses and the guard allows each step from the one before", () => {
        const commands = blockUnder("Evolve a live stack (CockroachDB)")
            .split("\n")
            .map((line) => line.replace(/\s+#.*$/, ""))
            .flatMap((line) => line.split(/\s*&&\s*/))
            .map((c) => c.trim())
            .filter((c) => c);
        const config: Record<string, unknown> = {};
        let previous: GuardState | undefined;
        let ups = 0;
        for (const command of commands) {
            const words = command.split(/\s+/);
            if (words[0] !== "pulumi") assert.fail(`unexpected command ${command}`);
            if (words[1] === "stack") continue;
            if (words[1] === "up") {
                const parsed = parseStackConfig(config);
                assert.deepEqual(checkTransition(previous, parsed), [], `step ${ups + 1}: ${JSON.stringify(config)}`);
                previous = guardState(parsed, previous);
                ups++;
                continue;
            }
            assert.deepEqual(words.slice(1, 3), ["config", "set"], command);
            const rest = words.slice(3);
            if (rest[0] === "--path") setPath(config, rest[1], rest[2]);
            else config[rest[0]] = rest[1];
        }
        assert.equal(ups, 3, "three phases");
    });
});
