import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { runProgram } from "./support/evaluate";

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err.problems;
    }
    assert.fail("config was accepted");
}

describe("stack config validation", () => {
    it("fills defaults for a minimal TiKV stack", () => {
        const config = parseStackConfig({ "clusterlab:lab": "tikv" });
        assert.equal(config.lab, "tikv");
        if (config.lab !== "tikv") return;
        assert.equal(config.pd.members, 3);
        assert.equal(config.tikv.stores, 3);
        assert.equal(config.platform, "docker");
    });

    it("decodes structured config the engine passes as JSON strings", () => {
        const config = parseStackConfig({ "clusterlab:lab": "tikv", "clusterlab:tikv": '{"stores":5}', "kubernetes:context": "kind" });
        assert.equal(config.lab === "tikv" && config.tikv.stores, 5);
    });

    it("rejects a wrong type with the key path, the value and what is allowed", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", tikv: { stores: "three" } }), ['tikv.stores: expected an integer 1..300, got "three"']);
    });

    it("rejects an out-of-range value", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", pd: { members: 12 } }), ["pd.members: expected an integer 1..9, got 12"]);
    });

    it("rejects an unknown key, nested or top-level", () => {
        const problems = problemsOf({ lab: "tikv", tikv: { store: 3 }, colour: "red" });
        assert.equal(problems.length, 2);
        assert.ok(
            problems.some((p) => p.startsWith("tikv.store: unknown key")),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => p.startsWith("colour: unknown key")),
            problems.join("\n"),
        );
    });

    it("rejects an unknown lab and a latest tag", () => {
        assert.match(problemsOf({ lab: "mongodb" })[0], /^lab: expected lab to be "tikv", "crdb", "etcd", "cdc" or "appcluster", got "mongodb"/);
        assert.match(problemsOf({ lab: "tikv", version: "latest" })[0], /^version: expected a pinned tag, not latest/);
    });

    it("never echoes a secret in an error, and never turns one into a number", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", grafanaAdminPassword: "hunter2" }), [
            "grafanaAdminPassword: expected at least 8 characters, got a secret (not shown)",
        ]);
        const config = parseStackConfig({ "clusterlab:lab": "tikv", "clusterlab:grafanaAdminPassword": "12345678901" });
        assert.equal(config.grafanaAdminPassword, "12345678901");
    });

    it("asks for a pushed go-ycsb image on Kubernetes", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", platform: "kubernetes", load: { enabled: true } }), [
            "load.image: required on kubernetes (no official go-ycsb image; build docker/go-ycsb/Dockerfile and push it), got nothing",
        ]);
    });

    it("refuses a scale-in unless the allow flag is set", () => {
        const before = guardState(parseStackConfig({ lab: "tikv", tikv: { stores: 5 } }));
        const problems = checkTransition(before, parseStackConfig({ lab: "tikv", tikv: { stores: 3 } }));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^tikv\.stores: 5 → 3 removes stores holding data; set tikv\.allowScaleIn: true/);
        assert.deepEqual(checkTransition(before, parseStackConfig({ lab: "tikv", tikv: { stores: 3, allowScaleIn: true } })), []);
        assert.deepEqual(checkTransition(before, parseStackConfig({ lab: "tikv", tikv: { stores: 7 } })), []);
    });

    it("refuses a change that replaces stateful resources unless allowReplace is set", () => {
        const before = guardState(parseStackConfig({ lab: "tikv" }));
        const next = { lab: "tikv", tikv: { storageGiB: 20 } };
        assert.match(checkTransition(before, parseStackConfig(next))[0], /^tikv\.storageGiB: 10 → 20 would replace/);
        assert.deepEqual(checkTransition(before, parseStackConfig({ ...next, allowReplace: true })), []);
    });
});

describe("the program with bad config", () => {
    it("creates no resources when a value is invalid", async () => {
        const { graph, error } = await runProgram({ lab: "tikv", tikv: { stores: "three" } }, "bad");
        assert.ok(error, "the program accepted bad config");
        assert.match(error.message, /tikv\.stores: expected an integer 1\.\.300, got "three"/);
        assert.equal(graph.resources.size, 0, [...graph.resources.keys()].join(", "));
    });

    it("creates no resources on a scale-in against the deployed state", async () => {
        const deployed = guardState(parseStackConfig({ lab: "tikv", pd: { members: 5 } }));
        const { graph, error } = await runProgram({ lab: "tikv", pd: { members: 3 } }, "bad", deployed);
        assert.ok(error, "the program accepted a scale-in");
        assert.match(error.message, /pd\.members: 5 → 3 removes PD members holding data/);
        assert.equal(graph.resources.size, 0);
    });

    it("registers the lab and records the guard state when config is good", async () => {
        const { graph, error, outputs } = await runProgram({ lab: "tikv" }, "good");
        assert.equal(error, undefined);
        assert.ok(graph.resources.size > 10);
        assert.deepEqual((outputs?.clusterlabGuard as { counts: unknown }).counts, { "pd.members": 3, "tikv.stores": 3 });
    });
});
