/**
 * The project's own commands behave as the README says: one test file runs alone with
 * `npx mocha <file>`, `npm test` covers every test file, and `scripts/preflight.sh` names each
 * missing prerequisite with how to get it (run against stub `pulumi`, `node`, `docker` and
 * `kubectl` programs on a PATH of their own, so the answer does not depend on this machine).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/evaluate";
import { tempDir } from "./support/tools";

const MOCHA = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");

/** Titles of the tests `mocha --dry-run <args>` would run from the repository root, with their files. */
function dryRun(args: string[]): { title: string; file: string }[] {
    const r = spawnSync(process.execPath, [MOCHA, "--dry-run", "--reporter", "json", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { tests: { title: string; file: string }[] }).tests;
}

describe("test commands", function () {
    this.timeout(120_000);

    it("`npx mocha tests/<file>` runs that file only (the spec globs live in `npm test`, not .mocharc.json)", () => {
        const tests = dryRun(["tests/build-cache.test.ts"]);
        assert.ok(tests.length >= 3, `${tests.length} tests`);
        const files = [...new Set(tests.map((t) => t.file.replace(ROOT + "/", "")))];
        assert.deepEqual(files, ["tests/build-cache.test.ts"]);
    });

    it("`npm test`'s globs take every tracked *.test.ts under tests/ and app/test/", () => {
        const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.test;
        const globs = [...script.matchAll(/'([^']+)'/g)].map((m) => m[1]);
        assert.deepEqual(globs, ["tests/**/*.test.ts", "app/test/**/*.test.ts"], script);
        const tracked = spawnSync("git", ["ls-files", "--", "*.test.ts"], { cwd: ROOT, encoding: "utf8" })
            .stdout.split("\n")
            .filter(Boolean);
        const run = new Set(dryRun(globs).map((t) => t.file.replace(ROOT + "/", "")));
        assert.deepEqual(
            tracked.filter((f) => !run.has(f) && !f.startsWith("tests/k8s/")),
            [],
        );
    });
});

describe("scripts/preflight.sh", function () {
    this.timeout(60_000);
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => {
        dir = tempDir("preflight");
        // Only what the script uses besides the stubs, so the machine's own pulumi/node/docker never answer.
        for (const tool of ["dirname", "sed", "head", "tail", "uname"]) symlinkSync(`/usr/bin/${tool}`, join(dir.path, tool));
    });
    afterEach(() => dir.remove());

    /** A stub program printing `out` and exiting `code` (for `docker version`: the engine answers or not). */
    const stub = (name: string, script: string) => {
        writeFileSync(join(dir.path, name), `#!/bin/bash\n${script}\n`);
        chmodSync(join(dir.path, name), 0o755);
    };
    const preflight = (stack: string) =>
        spawnSync("/bin/bash", [join(ROOT, "scripts", "preflight.sh"), stack], {
            encoding: "utf8",
            env: { PATH: dir.path, HOME: dir.path },
            timeout: 30_000,
        });

    it("with nothing installed, names the Pulumi CLI, Node.js and Docker, each with how to get it, and fails", () => {
        const r = preflight("dev");
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /preflight for stack dev \(docker\): 3 missing/);
        assert.match(r.stderr, /pulumi: not on PATH\. Install the CLI: curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
        assert.match(r.stderr, /node: not on PATH\. Install Node\.js 22/);
        assert.match(r.stderr, /docker: not on PATH; stack dev runs on Docker/);
    });

    it("Node 20 is too old; a Docker CLI whose engine does not answer is named as such", () => {
        stub("pulumi", 'echo "v3.276.0"');
        stub("node", '[ "$1" = -p ] && echo 20 || echo v20.19.0');
        stub("docker", 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1');
        const r = preflight("dev");
        assert.equal(r.status, 1);
        assert.match(r.stderr, /2 missing/);
        assert.match(r.stderr, /node: v20\.19\.0 is too old; @pulumi\/pulumi 3\.270 needs >= 22/);
        assert.match(r.stderr, /docker: the engine does not answer \(Cannot connect to the Docker daemon/);
        assert.doesNotMatch(r.stderr, /pulumi:/);
    });

    it("a Kubernetes stack (phase0) needs a kube context, not Docker; all present passes", () => {
        stub("pulumi", 'echo "v3.276.0"');
        stub("node", '[ "$1" = -p ] && echo 22 || echo v22.23.5');
        stub("kubectl", "exit 1");
        const without = preflight("phase0");
        assert.equal(without.status, 1);
        assert.match(without.stderr, /preflight for stack phase0 \(kubernetes\): 1 missing\n {2}- kube context: none selected/);
        stub("kubectl", "echo kind-lab");
        const ok = preflight("phase0");
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /preflight for stack phase0 \(kubernetes\): pulumi v3\.276\.0, node v22\.23\.5, kubernetes ok/);
    });

    it("refuses a stack name outside [A-Za-z0-9._-]", () => {
        const r = preflight("dev; rm -rf /");
        assert.equal(r.status, 1);
        assert.match(r.stderr, /stack name: expected letters, digits/);
    });
});
