/** What the config layer says about a stack config a test writes. */
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../components/config";

/**
 * The problems `parseStackConfig` reports for `raw` (every one at once, as a user sees them).
 * @throws AssertionError when the config is accepted or parsing fails with anything but a ConfigError.
 */
export function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err.problems;
    }
    assert.fail(`config was accepted: ${JSON.stringify(raw)}`);
}
