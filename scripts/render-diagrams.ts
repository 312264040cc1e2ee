/**
 * Renders every Mermaid diagram under docs/ to SVG and PNG, for looking at them:
 * `npm run docs:render -- [out dir]` (default `docs-output/`, git-ignored). Files are named
 * `<markdown file>-<line of the block>.{svg,png}`. Uses the system Chromium
 * (docs/diagrams/puppeteer-config.json, `CHROMIUM_PATH`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../tests/support/evaluate";
import { mermaidBlocks } from "../tests/support/mermaid";
import { startRenderer } from "../tests/support/mermaid-render";

async function main(): Promise<void> {
    const out = process.argv[2] ?? join(ROOT, "docs-output");
    mkdirSync(out, { recursive: true });
    const renderer = await startRenderer();
    try {
        for (const block of mermaidBlocks(ROOT, "docs")) {
            const base = join(out, `${block.file.replace(/^docs\//, "").replace(/[/.]/g, "-")}-${block.line}`);
            for (const format of ["svg", "png"] as const) writeFileSync(`${base}.${format}`, await renderer.render(block, format));
            console.log(`${base}.{svg,png}`);
        }
    } finally {
        await renderer.close();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
