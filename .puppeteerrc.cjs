/**
 * Puppeteer configuration (read by puppeteer's install script and at launch; puppeteer looks
 * for `.puppeteerrc.cjs` from the working directory up: pptr.dev/guides/configuration).
 *
 * Why: @mermaid-js/mermaid-cli (the diagram tests, docs/diagrams) drives a browser through
 * puppeteer, and puppeteer's postinstall would otherwise download its own Chrome on every
 * `npm ci`. The tests use Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run), so
 * no browser is ever downloaded. `CHROMIUM_PATH` (as app/test does) points at another binary (macOS:
 * `/Applications/Google Chrome.app/Contents/MacOS/Google Chrome`).
 *
 * @type {import("puppeteer").Configuration}
 */
module.exports = {
    skipDownload: true,
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
};
