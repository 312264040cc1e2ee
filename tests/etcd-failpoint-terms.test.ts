/**
 * Failpoint terms are config a person writes, and they reach a shell step: only gofail's term
 * grammar is accepted (etcd-io/gofail `doc/design.md`, "Gofail Term"), and the step carries each
 * term in its environment, so even a term that got past the schema is data to curl, never script.
 * The step's script runs here in a real `/bin/sh` with a `curl` stand-in that records its argv
 * (the real curl would need live gofail endpoints; what is under test is the shell's handling).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStackConfig } from "../components/config";
import { failpointEnv, scenarioScript } from "../labs/etcd/scenario";
import { problemsOf } from "./support/config-problems";

const INJECTION = "sleep(1)'; touch pwned; echo '";
const IMAGE = "registry.local/etcd-failpoints:v3.5.17";

/** Runs the fsync-delay switch script in `/bin/sh` with a recording curl; returns each curl call's argv. */
function runScript(terms: Record<string, string>): { calls: string[][]; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), "failpoint-terms-"));
    const log = join(dir, "curl.log");
    // The stand-in prints an empty JSON object (the restore lines parse nothing out of it) and records argv, one arg per line, calls split by a line "--".
    writeFileSync(
        join(dir, "curl"),
        `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> "${log}"; done\necho -- >> "${log}"\necho '{}'\n`,
    );
    chmodSync(join(dir, "curl"), 0o755);
    const failpoints = { "fsync-delay": terms };
    const script = scenarioScript("fsync-delay", failpoints, ["http://etcd-0:22381"], ["http://etcd-0:2379"]);
    execFileSync("/bin/sh", ["-c", script], {
        cwd: dir,
        env: { PATH: `${dir}:/usr/bin:/bin`, ...failpointEnv("fsync-delay", failpoints) },
        timeout: 10_000,
    });
    const calls = readFileSync(log, "utf8")
        .split("--\n")
        .filter((c) => c)
        .map((c) => c.replace(/\n$/, "").split("\n"));
    return { calls, dir };
}

describe("etcd failpoint terms", () => {
    it("refuses a term outside gofail's grammar, naming the key and the grammar", () => {
        const problems = problemsOf({
            lab: "etcd",
            scenario: "fsync-delay",
            etcd: { failpointImage: IMAGE },
            failpoints: { "fsync-delay": { walBeforeSync: INJECTION } },
        });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^failpoints\.fsync-delay\.walBeforeSync: expected a gofail term/);
        assert.ok(problems[0].includes("sleep(100)"), problems[0]);
    });

    it("accepts the terms of gofail's documentation", () => {
        // Examples from etcd-io/gofail doc/design.md ("Terms examples") and README.
        for (const term of [
            '2*return("abc")->1*return("def")',
            "return(100)",
            "return",
            "return()",
            "40.0%return(true)",
            "1.0%panic",
            "sleep(10s)",
            "sleep(10)",
            "off",
            "print",
            "break",
            'sleep("600s")',
        ]) {
            const config = parseStackConfig({
                lab: "etcd",
                scenario: "fsync-delay",
                etcd: { failpointImage: IMAGE },
                failpoints: { "fsync-delay": { walBeforeSync: term } },
            });
            assert.equal(config.lab === "etcd" && config.failpoints["fsync-delay"]?.walBeforeSync, term);
        }
    });

    it("refuses failpoint names outside gofail's variable names, in words", () => {
        const problems = problemsOf({ lab: "etcd", failpoints: { "fsync-delay": { "wal before sync": "off" } } });
        assert.ok(
            problems.some((p) => p.includes("expected a failpoint name such as walBeforeSync")),
            problems.join("\n"),
        );
        assert.ok(!problems.some((p) => p.includes("expected a different value")), problems.join("\n"));
    });

    it("a valid term reaches curl intact, as one argument", () => {
        const { calls, dir } = runScript({ walBeforeSync: "sleep(100)", beforeCommit: '2*return("a b")->off' });
        try {
            const puts = calls.filter((c) => c.includes("PUT"));
            const body = (name: string) => puts.filter((c) => c[c.length - 1].endsWith(`/${name}`)).map((c) => c[c.indexOf("-d") + 1]);
            assert.deepEqual(body("walBeforeSync"), ["off", "sleep(100)"]);
            assert.deepEqual(body("beforeCommit"), ["off", '2*return("a b")->off']);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a term that got past the schema is still only data: the injection runs nothing", () => {
        const { calls, dir } = runScript({ walBeforeSync: INJECTION });
        try {
            assert.equal(existsSync(join(dir, "pwned")), false, "the term's `touch pwned` ran");
            const put = calls.filter((c) => c.includes("PUT") && c.includes(INJECTION));
            assert.equal(put.length, 1, JSON.stringify(calls));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
