/**
 * The repository stands on its own: no comment or doc sends a reader to a file outside it
 * (a notes file or design document that only some checkouts have). Facts cite their upstream
 * source instead (vendor docs, flag references, source files).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/evaluate";

/**
 * References to notes that are not in the repository. (CI's own use of the tool directory
 * beside the checkout, `../shared/tools`, is an environment fact `.ci/run` states, not a citation.)
 */
const OUTSIDE = /FACTS\.md|DESIGN\.md|DESIGN principle/;

describe("the repository is self-contained", () => {
    it("no tracked source or doc cites a file outside the repository", () => {
        const git = spawnSync("git", ["ls-files", "--", "*.ts", "*.md", "*.yaml", "*.sh", "*.sql", "Dockerfile", "**/Dockerfile"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(git.status, 0, `git ls-files: ${git.stderr} (these tests run from a git checkout)`);
        const files = git.stdout.split("\n").filter((f) => f && f !== "tests/self-contained.test.ts");
        assert.ok(files.length > 30, `only ${files.length} tracked files`);
        const hits = files.flatMap((file) =>
            readFileSync(join(ROOT, file), "utf8")
                .split("\n")
                .flatMap((line, i) => (OUTSIDE.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
        );
        assert.deepEqual(hits, []);
    });
});
