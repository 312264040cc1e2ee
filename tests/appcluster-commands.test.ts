/**
 * The app cluster's `statusCommand` and `logsCommands` are commands that run as printed: on
 * Kubernetes each is one `kubectl` invocation (the API server's pod proxy for health, `logs` of the
 * node's pod), never a curl of a port-forward hint or a Job name. Checked under mocks: the command
 * is split as a shell would (no quoting in it) and its argv compared with what kubectl takes.
 */
import * as assert from "node:assert/strict";
import { evaluate, stackConfig } from "./support/evaluate";

/** A command's words, refusing any shell syntax (quotes, `$`, `;`, `|`, `#`): what is printed is what runs. */
function argv(command: string): string[] {
    assert.doesNotMatch(command, /['"$;|#`]/, command);
    return command.split(/\s+/).filter((w) => w);
}

describe("app cluster commands", () => {
    it("Kubernetes: statusCommand reads each running node's health through the pod proxy; logsCommands follow the pods", async () => {
        const config = stackConfig("appcluster", {
            platform: "kubernetes",
            kubernetes: { namespace: "lab7", context: "kind-kind" },
            app: { stopped: [2] },
        });
        const graph = await evaluate(config, "appcluster");
        const status = String(graph.outputs.statusCommand).split(" && ").map(argv);
        assert.deepEqual(status, [
            ["kubectl", "--context", "kind-kind", "-n", "lab7", "get", "--raw", "/api/v1/namespaces/lab7/pods/app-1-0:8080/proxy/health"],
            ["kubectl", "--context", "kind-kind", "-n", "lab7", "get", "--raw", "/api/v1/namespaces/lab7/pods/app-3-0:8080/proxy/health"],
        ]);
        assert.deepEqual(
            (graph.outputs.logsCommands as string[]).map(argv),
            [1, 2, 3].map((i) => ["kubectl", "--context", "kind-kind", "-n", "lab7", "logs", "-f", `pod/app-${i}-0`]),
        );
    });

    it("Docker: statusCommand curls each running node's published port", async () => {
        const graph = await evaluate(stackConfig("appcluster", { app: { stopped: [2] } }), "appcluster");
        assert.deepEqual(String(graph.outputs.statusCommand).split(" && ").map(argv), [
            ["curl", "-fsS", "http://127.0.0.1:8081/health"],
            ["curl", "-fsS", "http://127.0.0.1:8083/health"],
        ]);
    });
});
