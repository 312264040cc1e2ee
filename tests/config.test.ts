import * as assert from "node:assert/strict";
import { HOST_PORT_KEYS, LABS, parsePromDuration, parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { runProgram } from "./support/evaluate";
import { problemsOf } from "./support/config-problems";

/** Dotted paths of every leaf of a parsed config. */
function leafPaths(value: unknown, prefix = ""): string[] {
    if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
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

    it("rejects an unknown key, nested or top-level, with the nearest key and the keys at that level", () => {
        const problems = problemsOf({ lab: "tikv", tikv: { storez: 3 }, colour: "red" });
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.equal(
            problems.find((p) => p.startsWith("tikv.storez")),
            "tikv.storez: unknown key (did you mean tikv.stores?); keys under tikv: allowScaleIn, blockCacheMiB, memoryLimitMiB, statusHostPort, storageGiB, stores",
        );
        const colour = problems.find((p) => p.startsWith("colour"));
        assert.match(colour ?? "", /^colour: unknown key; keys at the top level: .*\bpd\b.*\btikv\b/);
        assert.doesNotMatch(colour ?? "", /did you mean|components\/config\.ts/);
    });

    it("says how to set a dotted key that arrived without --path", () => {
        assert.deepEqual(problemsOf({ "clusterlab:lab": "tikv", "clusterlab:tikv.stores": "5" }), [
            "tikv.stores: unknown key; a dotted key sets a nested value only with --path: pulumi config rm tikv.stores && pulumi config set --path tikv.stores 5",
        ]);
    });

    it("answers a mistyped lab key or value with the key the user meant", () => {
        const problems = problemsOf({ labb: "tikv" });
        assert.match(problems[0], /^labb: unknown key \(did you mean lab\?\); keys at the top level: /);
        assert.match(
            problems[1],
            /^lab: expected one of "tikv", "crdb", "etcd", "cdc", "appcluster" \(pulumi config set lab tikv\), got nothing$/,
        );
        assert.deepEqual(problemsOf({ lab: "tivk" }), [
            'lab: expected one of "tikv", "crdb", "etcd", "cdc", "appcluster" (pulumi config set lab tikv); did you mean "tikv"?, got "tivk"',
        ]);
    });

    it("words an unknown enum value itself, with a suggestion", () => {
        assert.deepEqual(problemsOf({ lab: "etcd", scenario: "fsync-dealy" }), [
            'scenario: expected one of "baseline", "fsync-delay", "defrag-delay", "compaction", "db-size-limit", "network-delay", "partition", "member-kill"; did you mean "fsync-delay"?, got "fsync-dealy"',
        ]);
        for (const raw of [
            { lab: "etcd", scenario: "boom" },
            { lab: "tikv", allowReplace: "yes" },
            { lab: "tikv", pd: "x" },
            { lab: "crdb", load: { workload: 7 } },
        ]) {
            for (const p of problemsOf(raw)) assert.doesNotMatch(p, /Invalid (input|option)|received|Expected/, p);
        }
    });

    it("names the key the user set in a cross-key message", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", pd: { members: 2 } }), [
            "pd.members: expected at least pd.bootstrapMembers (3, its default); set pd.bootstrapMembers to 2 or less as well, got 2",
        ]);
        assert.deepEqual(problemsOf({ lab: "tikv", pd: { members: 2, bootstrapMembers: 3 } }), [
            "pd.bootstrapMembers: expected at most pd.members (2), got 3",
        ]);
        assert.match(problemsOf({ lab: "crdb", phase: 2 })[0], /^phase: phase 2 sets replication factor 3, which needs crdb\.nodes ≥ 3/);
        assert.match(
            problemsOf({ lab: "crdb", phase: 2, crdb: { nodes: 2 } })[0],
            /^crdb\.nodes: phase 2 sets replication factor 3, which needs at least 3 nodes, got 2/,
        );
    });

    it("range-checks every member's host port, not only the first", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", pd: { clientHostPort: 65534, members: 5 } }), [
            "pd.clientHostPort: 5 members (pd.members) publish ports 65534..65538, past 65535; expected at most 65531, got 65534",
        ]);
        assert.equal(parseStackConfig({ lab: "tikv", pd: { clientHostPort: 65531, members: 5 } }).lab, "tikv");
    });

    it("refuses host ports that collide across components, naming both keys", () => {
        assert.deepEqual(problemsOf({ lab: "tikv", tikv: { statusHostPort: 9089 }, observability: { grafanaHostPort: 9090 } }), [
            "observability.grafanaHostPort: host port 9090 collides with observability.prometheusHostPort (9090); give each a free range, got 9090",
            "tikv.statusHostPort: host port 9089..9091 collides with observability.prometheusHostPort (9090); give each a free range, got 9089",
            "tikv.statusHostPort: host port 9089..9091 collides with observability.grafanaHostPort (9090); give each a free range, got 9089",
        ]);
        // Adjacent ranges do not collide; neither do ports of a switched-off Prometheus.
        assert.equal(parseStackConfig({ lab: "tikv", tikv: { statusHostPort: 9091 } }).lab, "tikv");
        assert.equal(parseStackConfig({ lab: "etcd", etcd: { clientHostPort: 9090 }, observability: { enabled: false } }).lab, "etcd");
        // The user moved sqlHostPort onto the HTTP range: the message names sqlHostPort, the key they set.
        assert.match(
            problemsOf({ lab: "crdb", crdb: { nodes: 3, sqlHostPort: 8078 } })[0],
            /^crdb\.sqlHostPort: host port 8078\.\.8080 collides with crdb\.httpHostPort \(8080\.\.8082\)/,
        );
    });

    it("every host-port key of every lab is in the collision table", () => {
        // Labs that cannot parse with no settings at all get the least they need.
        const least: Record<string, Record<string, unknown>> = { appcluster: { app: { image: "registry.local/raft-app:1.0.0" } } };
        for (const lab of LABS) {
            const config = parseStackConfig({ lab, ...least[lab] });
            const keys = leafPaths(config).filter((p) => /hostPort(Base)?$/i.test(p));
            assert.ok(keys.length >= 2, `${lab}: only ${keys.join(", ")}`);
            for (const key of keys)
                assert.ok(
                    HOST_PORT_KEYS.some((k) => k.path === key),
                    `${lab}: ${key} is not in HOST_PORT_KEYS`,
                );
        }
    });

    it("accepts version tags and digests, refuses moving tags", () => {
        for (const tag of ["latest", "main", "nightly", "master", "edge", "dev"]) {
            assert.deepEqual(problemsOf({ lab: "tikv", version: tag }), [
                `version: expected a pinned version tag such as v8.5.1, not a moving tag, got "${tag}"`,
            ]);
            assert.match(
                problemsOf({ lab: "tikv", load: { image: `registry.local/go-ycsb:${tag}` } })[0],
                /^load\.image: expected a pinned version tag or a digest/,
            );
        }
        assert.match(problemsOf({ lab: "tikv", version: "bookworm" })[0], /^version: expected a version-like image tag/);
        for (const image of [
            "registry.local:5000/go-ycsb:1.0.1",
            `go-ycsb@sha256:${"ab".repeat(32)}`,
            `go-ycsb:v1@sha256:${"0".repeat(64)}`,
        ]) {
            const config = parseStackConfig({ lab: "tikv", load: { image } });
            assert.equal(config.lab === "tikv" && config.load.image, image);
        }
        assert.match(
            problemsOf({ lab: "tikv", load: { image: "registry.local:5000/go-ycsb" } })[0],
            /^load\.image: expected an image reference with a pinned/,
        );
    });

    it("keeps a quoted tag a string", () => {
        // The engine passes every top-level value as a string; "8.5" must not become the number 8.5.
        const config = parseStackConfig({ "clusterlab:lab": "tikv", "clusterlab:version": "8.5" });
        assert.equal(config.lab === "tikv" && config.version, "8.5");
        const etcd = parseStackConfig({ "clusterlab:lab": "etcd", "clusterlab:etcd": '{"version":"3.5"}' });
        assert.equal(etcd.lab === "etcd" && etcd.etcd.version, "3.5");
        // Numbers and booleans still decode where the schema wants them.
        const crdb = parseStackConfig({
            "clusterlab:lab": "crdb",
            "clusterlab:phase": "1",
            "clusterlab:allowReplace": "true",
            "clusterlab:crdb": '{"nodes":2}',
        });
        assert.equal(crdb.lab === "crdb" && crdb.phase, 1);
        assert.equal(crdb.allowReplace, true);
    });

    it("parses durations as Prometheus does, with sane minimums", () => {
        assert.equal(parsePromDuration("7d"), 7 * 86_400_000);
        assert.equal(parsePromDuration("1h30m"), 5_400_000);
        assert.equal(parsePromDuration("1y"), 365 * 86_400_000);
        assert.equal(parsePromDuration("30m1h"), undefined);
        assert.equal(parsePromDuration("15"), undefined);
        const config = parseStackConfig({ lab: "tikv", observability: { retention: "7d", scrapeInterval: "1m30s" } });
        assert.equal(config.observability.retention, "7d");
        assert.deepEqual(problemsOf({ lab: "tikv", observability: { scrapeInterval: "0s", retention: "1ms" } }), [
            'observability.scrapeInterval: expected a Prometheus duration 1s..5m such as 15s, 1m or 7d, got "0s"',
            'observability.retention: expected a Prometheus duration 2h..10y such as 15s, 1m or 7d, got "1ms"',
        ]);
    });

    it("takes TiKV memory limits and keeps the block cache inside them", () => {
        const config = parseStackConfig({ lab: "tikv", tikv: { memoryLimitMiB: 2048, blockCacheMiB: 512 } });
        assert.equal(config.lab === "tikv" && config.tikv.memoryLimitMiB, 2048);
        assert.deepEqual(problemsOf({ lab: "tikv", tikv: { memoryLimitMiB: 1024, blockCacheMiB: 1024 } }), [
            "tikv.blockCacheMiB: expected less than tikv.memoryLimitMiB (1024): the block cache lives inside TiKV's memory limit, got 1024",
        ]);
    });

    it("rejects an unknown lab and a latest tag", () => {
        assert.deepEqual(problemsOf({ lab: "mongodb" }), [
            'lab: expected one of "tikv", "crdb", "etcd", "cdc", "appcluster" (pulumi config set lab tikv), got "mongodb"',
        ]);
        assert.match(
            problemsOf({ lab: "tikv", version: "latest" })[0],
            /^version: expected a pinned version tag such as v8\.5\.1, not a moving tag/,
        );
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
        // On Kubernetes the size is in the StatefulSet's volume claim template, which cannot be updated.
        const before = guardState(parseStackConfig({ lab: "tikv", platform: "kubernetes" }));
        const next = { lab: "tikv", platform: "kubernetes", tikv: { storageGiB: 20 } };
        assert.match(checkTransition(before, parseStackConfig(next))[0], /^tikv\.storageGiB: 10 → 20 would replace/);
        assert.deepEqual(checkTransition(before, parseStackConfig({ ...next, allowReplace: true })), []);
    });

    it("sees a new etcd.failpointPort on Docker reach every member when a failpoint build runs: refused for one member, rolled for three", () => {
        const image = "registry.local/etcd-gofail:v3.5.17";
        const single = guardState(parseStackConfig({ lab: "etcd", etcd: { members: 1, failpointImage: image } }));
        const problems = checkTransition(
            single,
            parseStackConfig({ lab: "etcd", etcd: { members: 1, failpointImage: image, failpointPort: 22382 } }),
        );
        assert.deepEqual(problems, [
            "etcd.failpointPort: 22381 → 22382 would replace stateful resources; set allowReplace: true to allow it",
        ]);
        // Three members: the lab replaces them one at a time (labs/etcd/membership-tasks.ts etcdRollSteps).
        const three = guardState(parseStackConfig({ lab: "etcd", etcd: { failpointImage: image } }));
        assert.deepEqual(
            checkTransition(three, parseStackConfig({ lab: "etcd", etcd: { failpointImage: image, failpointPort: 22382 } })),
            [],
        );
        // Without a failpoint build the port reaches no member: nothing to refuse.
        assert.deepEqual(
            checkTransition(
                guardState(parseStackConfig({ lab: "etcd" })),
                parseStackConfig({ lab: "etcd", etcd: { failpointPort: 22382 } }),
            ),
            [],
        );
    });

    it("does not refuse Kubernetes-only keys on Docker, nor a volume size Docker has not got", () => {
        const before = guardState(parseStackConfig({ lab: "etcd" }));
        for (const change of [{ kubernetes: { namespace: "other" } }, { etcd: { storageGiB: 20 } }]) {
            assert.deepEqual(checkTransition(before, parseStackConfig({ lab: "etcd", ...change })), [], JSON.stringify(change));
        }
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
