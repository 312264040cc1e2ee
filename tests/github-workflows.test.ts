/**
 * The GitHub Actions workflows pass actionlint (rhysd/actionlint: workflow syntax, expression
 * types, action inputs of popular actions, `needs`/matrix wiring). `.ci/run` builds actionlint
 * into `.tools/bin` from the Go module proxy; without it this test fails and says how to build it.
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "./support/evaluate";
import { run, tempDir } from "./support/tools";

const WORKFLOWS = join(ROOT, ".github", "workflows");

/** `$ACTIONLINT`, else `.tools/bin/actionlint`. @throws Error with the build command when missing. */
function actionlint(): string {
    const bin = process.env.ACTIONLINT ?? join(ROOT, ".tools", "bin", "actionlint");
    if (!existsSync(bin)) {
        throw new Error(
            `actionlint not found at ${bin}: GOBIN=$PWD/.tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7 (npm run setup:test or .ci/run builds it)`,
        );
    }
    return bin;
}

describe("GitHub Actions workflows", () => {
    it("pass actionlint", () => {
        const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
        assert.ok(files.includes("preview.yml"), files.join(", "));
        const r = run(actionlint(), ["-no-color", ...files.map((f) => join(WORKFLOWS, f))]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("actionlint can fail: an unknown job in `needs` and a bad expression are reported", () => {
        const dir = tempDir("actionlint");
        try {
            const bad = join(dir.path, "bad.yml");
            writeFileSync(
                bad,
                "on: pull_request\njobs:\n  a:\n    needs: nope\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.missing.x }}\n",
            );
            const r = run(actionlint(), ["-no-color", bad]);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stdout, /job "a" needs job "nope" which does not exist/);
        } finally {
            dir.remove();
        }
    });

    it("previews every stack file and runs preview:safe on each pull request", () => {
        const wf = parse(readFileSync(join(WORKFLOWS, "preview.yml"), "utf8"));
        assert.ok("pull_request" in wf.on);
        const steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] = wf.jobs.preview.steps;
        const preview = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(preview?.with?.command, "preview");
        assert.equal(preview?.with?.diff, true);
        assert.equal(preview?.with?.["comment-on-pr"], true);
        assert.match(String(preview?.with?.["cloud-url"]), /secrets\.PULUMI_BACKEND_URL/);
        assert.ok(steps.some((s) => s.run?.includes("npm run preview:safe")));
        assert.match(wf.jobs.stacks.steps[1].run, /Pulumi\.\*\.yaml/);
    });

    it("runs on the Node.js major package.json's engines asks for (>= 22), as .ci/run does", () => {
        const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
        const major = Number(/^>=\s*(\d+)/.exec(engines)?.[1]);
        assert.equal(major, 22, engines);
        for (const file of readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f))) {
            const wf = parse(readFileSync(join(WORKFLOWS, file), "utf8"));
            const setups = Object.values(wf.jobs as Record<string, { steps: { uses?: string; with?: { "node-version"?: unknown } }[] }>)
                .flatMap((j) => j.steps)
                .filter((s) => s.uses?.startsWith("actions/setup-node@"));
            for (const s of setups)
                assert.ok(Number(s.with?.["node-version"]) >= major, `${file}: node-version ${s.with?.["node-version"]}`);
        }
        const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
        const pinned = /^NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(ci);
        assert.ok(pinned && Number(pinned[1]) >= major, "`.ci/run` pins NODE_VERSION at >= 22");
        // Installed before any tier runs, and first on PATH.
        assert.ok(
            ci.indexOf('export PATH="$PWD/.tools/node/bin:$PATH"') < ci.indexOf("run_tier "),
            "Node 22 first on PATH before the tiers",
        );
    });
});
