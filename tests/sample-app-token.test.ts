/**
 * The sample app's control token (`APP_CONTROL_TOKEN`): from the config secret `app.controlToken`
 * when set (validated, never echoed), else generated with @pulumi/random; handed to the app from
 * a Secret and exported as the secret output `appControlToken`. Under mocks.
 */
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { evaluate, ofType, stackConfig } from "./support/evaluate";

const RENDER = { kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" }, grafanaAdminPassword: "app-test-password" };
const TOKEN = "tok_0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unwrapSecret(value: unknown): any {
    assert.ok(value && typeof value === "object" && SECRET_SIG in value, `not a secret: ${JSON.stringify(value)}`);
    return (value as unknown as { value: unknown }).value;
}

describe("sample app control token", () => {
    it("app.controlToken reaches the app's Secret and the secret output", async () => {
        const graph = await evaluate(stackConfig("phase0", { ...RENDER, app: { controlToken: TOKEN } }), "crdb");
        const env = unwrapSecret(ofType(graph, "kubernetes:core/v1:Secret").find((s) => s.name === "sample-app-env")!.inputs.stringData);
        assert.equal(env.APP_CONTROL_TOKEN, TOKEN);
        assert.equal(graph.outputs.appControlToken, TOKEN);
        assert.ok(!ofType(graph, "random:index/randomPassword:RandomPassword").some((r) => r.name === "sample-app-control-token"));
    });

    it("unset: generated, 48 letters and digits, by @pulumi/random", async () => {
        const graph = await evaluate(stackConfig("phase0", RENDER), "crdb");
        const generated = ofType(graph, "random:index/randomPassword:RandomPassword").find((r) => r.name === "sample-app-control-token");
        assert.ok(generated, "a RandomPassword for the token");
        assert.equal(generated.inputs.length, 48);
        assert.equal(generated.inputs.special, false);
    });

    it("refuses a token outside 32..256 of [A-Za-z0-9_-] without echoing it", () => {
        for (const bad of ["short", `${"a".repeat(40)} b`, "a".repeat(257)]) {
            try {
                parseStackConfig({ lab: "crdb", app: { controlToken: bad } });
                assert.fail("accepted");
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                assert.equal(err.problems.length, 1, err.problems.join("\n"));
                assert.match(err.problems[0], /^app\.controlToken: expected 32\.\.256 characters .*, got a secret \(not shown\)$/);
                assert.ok(!err.problems[0].includes(bad), "the token is echoed");
            }
        }
    });
});
