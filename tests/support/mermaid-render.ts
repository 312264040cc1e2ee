/**
 * Renders Mermaid diagrams with @mermaid-js/mermaid-cli's node API (`renderMermaid`) in one
 * headless Chromium: the system browser named in `docs/diagrams/puppeteer-config.json`
 * (Debian's `/usr/bin/chromium`; `CHROMIUM_PATH` overrides it, as in app/test). Puppeteer never
 * downloads a browser here: `.puppeteerrc.cjs` sets `skipDownload`.
 * mermaid-cli's API: github.com/mermaid-js/mermaid-cli (src/index.js, `renderMermaid`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, LaunchOptions } from "puppeteer";
import { ROOT } from "./evaluate";
import { MermaidBlock } from "./mermaid";

/** The launch options `mmdc -p` reads too, with `CHROMIUM_PATH` applied. */
export function launchOptions(): LaunchOptions {
    const options = JSON.parse(readFileSync(join(ROOT, "docs", "diagrams", "puppeteer-config.json"), "utf8")) as LaunchOptions;
    return { ...options, executablePath: process.env.CHROMIUM_PATH ?? options.executablePath };
}

/** A rendering session: one browser for many diagrams. */
export interface Renderer {
    /**
     * Renders one diagram.
     * @returns the image bytes.
     * @throws Error with Mermaid's parse or render message, prefixed by the block's file and line.
     */
    render(block: MermaidBlock, format: "svg" | "png"): Promise<Uint8Array>;
    close(): Promise<void>;
}

/**
 * Starts Chromium.
 * @throws Error naming the missing browser and how to install it.
 */
export async function startRenderer(): Promise<Renderer> {
    const options = launchOptions();
    if (!options.executablePath || !existsSync(options.executablePath))
        throw new Error(
            `Chromium not found at ${options.executablePath}: apt-get install -y chromium (.ci/run installs it) or set CHROMIUM_PATH`,
        );
    // Both packages are ES modules; a real dynamic import (module node16 keeps `import()` in CommonJS output).
    const puppeteer = (await import("puppeteer")).default;
    const { renderMermaid } = await import("@mermaid-js/mermaid-cli");
    const browser: Browser = await puppeteer.launch(options);
    return {
        async render(block, format) {
            try {
                const { data } = await renderMermaid(browser, block.source, format, { backgroundColor: "white" });
                return data;
            } catch (error) {
                throw new Error(`${block.file}:${block.line}: ${(error as Error).message}`);
            }
        },
        close: () => browser.close(),
    };
}
