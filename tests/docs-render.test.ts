/**
 * Every Mermaid diagram under docs/ renders to SVG with @mermaid-js/mermaid-cli in a real
 * headless Chromium (Debian's, docs/diagrams/puppeteer-config.json; never a downloaded one), all
 * in one browser session. A syntax error Mermaid would show on GitHub as "Unable to render"
 * fails here with Mermaid's message and the block's file and line.
 */
import * as assert from "node:assert/strict";
import { ROOT } from "./support/evaluate";
import { mermaidBlocks } from "./support/mermaid";
import { Renderer, startRenderer } from "./support/mermaid-render";

describe("docs diagrams render with mermaid-cli in the system Chromium", function () {
    // Chromium start plus ~1–4 s per diagram on a busy 2-core machine.
    this.timeout(180_000);
    const blocks = mermaidBlocks(ROOT, "docs");
    let renderer: Renderer | undefined;

    before(async () => {
        renderer = await startRenderer();
    });
    after(async () => {
        await renderer?.close();
    });

    it("finds the diagrams", () => {
        assert.ok(blocks.length >= 9, `only ${blocks.length} mermaid blocks under docs/`);
    });

    for (const block of blocks) {
        it(`${block.file}:${block.line} renders to SVG`, async () => {
            const svg = Buffer.from(await renderer!.render(block, "svg")).toString("utf8");
            assert.match(svg, /^<svg[\s>]/, `${block.file}:${block.line}: not an SVG`);
            assert.doesNotMatch(svg, /Syntax error in text|Parse error/i, `${block.file}:${block.line}: Mermaid drew its error picture`);
            // Every node label made it into the picture (first line of each quoted label).
            for (const label of block.source.matchAll(/"([^"<]+)(?:<br\/>[^"]*)?"/g)) {
                const text = label[1].trim().replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
                if (text && !/^title:/.test(text))
                    assert.ok(svg.includes(text), `${block.file}:${block.line}: "${text}" is not in the SVG`);
            }
        });
    }

    it("reports a broken diagram with Mermaid's message and where it is", async () => {
        const broken = { file: "docs/broken.md", line: 7, source: 'flowchart LR\n    a["open --> \n' };
        await assert.rejects(renderer!.render(broken, "svg"), /^Error: docs\/broken\.md:7: /);
    });
});
