/**
 * The etcd lab's network scenarios under mocks (T0): peer proxies as their own member group,
 * members advertising them, the member-kill step, the linearizability step and exporter, config
 * cross-checks, and the phase-diff over every scenario switch on Docker and Kubernetes: a switch
 * never changes an etcd member, only the stateless proxies, the exporter and one-shot steps.
 * The real run is tests/etcd-network.t1.ts.
 */
import * as assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { deepMerge, evaluate, ofType, stackConfig, waitsFor } from "./support/evaluate";
import { AllowRule, PROMETHEUS_TARGETS_ALLOWED, checkPhases, describeViolations } from "./support/phase-diff";

const FAILPOINT_IMAGE = "registry.local/etcd-failpoints:v3.5.17";
/** The network lab on Docker: proxies, a failpoint build (member-kill), the checker, load. */
const NET = { etcd: { peerProxies: true, failpointImage: FAILPOINT_IMAGE }, linearizability: { enabled: true } };
/** Kubernetes runs only pushed images: every image this repo would build is named. */
const K8S = {
    platform: "kubernetes",
    kubernetes: { renderYamlToDirectory: "/tmp/clusterlab-render" },
    etcd: { peerProxyImage: "registry.local/etcd-peer-proxy:v1" },
    linearizability: { image: "registry.local/etcd-linearizability:v1" },
    load: { image: "registry.local/etcd-benchmark:v3.5.17" },
};

/** The identity flags of proxy `i` on Docker. */
const proxyIdentity = (i: number) => [`-name=etcd-peer-proxy-${i}`, `-advertised=http://etcd-peer-proxy-${i}:2380`];

const container = async (overrides: Record<string, unknown>) => {
    const graph = await evaluate(stackConfig("etcd", deepMerge(NET, overrides)), "etcd");
    const all = ofType(graph, "docker:index/container:Container");
    return (name: string | RegExp) => all.find((c) => (typeof name === "string" ? c.name === name : name.test(c.name)));
};

describe("etcd lab: network scenarios (mocks)", () => {
    it("every member advertises its proxy's peer URL; proxy N forwards to member N", async () => {
        const c = await container({});
        for (const i of [0, 1, 2]) {
            const flags: string[] = c(`etcd-${i}`)!.inputs.command;
            assert.ok(flags.includes(`--initial-advertise-peer-urls=http://etcd-peer-proxy-${i}:2380`), flags.join(" "));
            assert.ok(flags.includes("--listen-peer-urls=http://0.0.0.0:2380"), flags.join(" "));
            assert.ok(
                flags.includes(
                    "--initial-cluster=etcd-0=http://etcd-peer-proxy-0:2380,etcd-1=http://etcd-peer-proxy-1:2380,etcd-2=http://etcd-peer-proxy-2:2380",
                ),
                flags.join(" "),
            );
            assert.deepEqual(c(`etcd-peer-proxy-${i}`)!.inputs.command, [...proxyIdentity(i), "0.0.0.0:2380", "etcd-{ordinal}:2380"]);
        }
    });

    it("network-delay delays every link by etcd.peerDelayMs; partition cuts etcd.faultMember off both ways", async () => {
        const delay = await container({ scenario: "network-delay", etcd: { peerDelayMs: 750 } });
        for (const i of [0, 1, 2]) {
            assert.deepEqual(delay(`etcd-peer-proxy-${i}`)!.inputs.command, [
                "-rx-delay=750ms",
                ...proxyIdentity(i),
                "0.0.0.0:2380",
                "etcd-{ordinal}:2380",
            ]);
        }
        // The proxy resolves -isolate against its own -advertised URL (docker/etcd-peer-proxy: its Go tests).
        const part = await container({ scenario: "partition", etcd: { faultMember: 1 } });
        for (const i of [0, 1, 2]) {
            assert.deepEqual(part(`etcd-peer-proxy-${i}`)!.inputs.command, [
                "-isolate=http://etcd-peer-proxy-1:2380",
                ...proxyIdentity(i),
                "0.0.0.0:2380",
                "etcd-{ordinal}:2380",
            ]);
        }
    });

    it("faults come after the switch step (it writes) and go before it: proxies wait for it in a network scenario, it waits for them otherwise", async () => {
        for (const [scenario, faultsLast] of [
            ["partition", true],
            ["baseline", false],
        ] as const) {
            const graph = await evaluate(stackConfig("etcd", deepMerge(NET, { scenario })), "etcd");
            const step = ofType(graph, "docker:index/container:Container").find((c) => c.name.startsWith(`scenario-${scenario}-`))!;
            const stepKey = `docker:index/container:Container::${step.name}`;
            const proxyKey = "docker:index/container:Container::etcd-peer-proxy-0";
            assert.equal(waitsFor(graph, proxyKey, stepKey), faultsLast, `${scenario}: proxies wait for the step`);
            assert.equal(waitsFor(graph, stepKey, proxyKey), !faultsLast, `${scenario}: the step waits for the proxies`);
            const check = ofType(graph, "docker:index/container:Container").find((c) => c.name.startsWith(`linearizability-${scenario}-`))!;
            assert.ok(
                waitsFor(graph, `docker:index/container:Container::${check.name}`, proxyKey),
                "the checker records under the scenario's network",
            );
        }
    });

    it("a network scenario's switch step writes nothing (a previous network fault may leave no leader): failpoints off only", async () => {
        const c = await container({ scenario: "partition" });
        const script: string = c(/^scenario-partition-/)!.inputs.command[0];
        assert.match(script, /-X PUT -d off http:\/\/etcd-0:22381\/walBeforeSync/);
        assert.doesNotMatch(script, /deleterange|compaction|defragment/);
        const base = await container({ scenario: "baseline" });
        assert.match(base(/^scenario-baseline-/)!.inputs.command[0], /deleterange/, "baseline gives back a db-size-limit fill");
    });

    it("member-kill crashes etcd.faultMember through its gofail endpoint and waits for it to catch up", async () => {
        const c = await container({ scenario: "member-kill", etcd: { faultMember: 2 } });
        const step = c(/^member-kill-/);
        assert.ok(step, "no member-kill step");
        const script: string = step.inputs.command[0];
        assert.match(script, /-X PUT -d 'panic' http:\/\/etcd-2:22381\/raftBeforeSave/);
        assert.match(script, /http:\/\/etcd-0:2379\/v3\/maintenance\/status/, "compares with another member's revision");
        assert.equal(step.inputs.attach, true, "waited for");
    });

    it("the checker runs as a waited step and a scraped exporter; its task name is a stack output", async () => {
        const graph = await evaluate(stackConfig("etcd", deepMerge(NET, { scenario: "partition" })), "etcd");
        const all = ofType(graph, "docker:index/container:Container");
        const step = all.find((c) => /^linearizability-partition-/.test(c.name));
        assert.ok(step, all.map((c) => c.name).join(", "));
        assert.equal(step.inputs.attach, true);
        assert.ok((step.inputs.command as string[]).includes("--endpoints=http://etcd-0:2379,http://etcd-1:2379,http://etcd-2:2379"));
        const exporter = all.find((c) => c.name === "etcd-linearizability-0")!;
        assert.ok((exporter.inputs.command as string[]).includes("--serve"));
        assert.ok((exporter.inputs.command as string[]).includes("--run=partition"));
        const prom = all.find((c) => c.name === "prometheus-0")!;
        assert.match(prom.inputs.uploads[0].content, /job_name: etcd-linearizability[\s\S]*etcd-linearizability:9106/);
        assert.equal(graph.outputs.linearizabilityCheck, step.name);
    });

    it("refuses network scenarios without proxies, member-kill without a failpoint build, a fault member that does not exist", () => {
        const problems = (overrides: Record<string, unknown>) => {
            try {
                stackConfig("etcd", overrides);
                return [];
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                return err.problems;
            }
        };
        assert.match(problems({ scenario: "partition" }).join("\n"), /^etcd\.peerProxies: scenario partition needs the peer proxies/m);
        assert.match(
            problems({ scenario: "member-kill", etcd: { peerProxies: true } }).join("\n"),
            /^etcd\.failpointImage: scenario member-kill/m,
        );
        assert.match(
            problems({ scenario: "partition", etcd: { peerProxies: true, faultMember: 3 } }).join("\n"),
            /^etcd\.faultMember: expected a member ordinal below etcd\.members \(3\), got 3/m,
        );
        assert.match(
            problems(deepMerge(K8S, { etcd: { peerProxies: true, peerProxyImage: undefined } })).join("\n"),
            /^etcd\.peerProxyImage: required on kubernetes/m,
        );
        assert.deepEqual(problems(deepMerge(NET, { scenario: "member-kill" })), []);
    });

    it("the guard lets scenarios switch and refuses turning the proxies on under a live cluster", () => {
        const deployed = guardState(stackConfig("etcd", NET));
        for (const scenario of ["network-delay", "partition", "member-kill", "baseline"]) {
            assert.deepEqual(
                checkTransition(deployed, stackConfig("etcd", deepMerge(NET, { scenario, etcd: { peerDelayMs: 300, faultMember: 2 } }))),
                [],
            );
        }
        assert.match(
            checkTransition(guardState(stackConfig("etcd")), stackConfig("etcd", { etcd: { peerProxies: true } })).join("\n"),
            /etcd\.peerProxies: false → true would replace stateful resources/,
        );
    });

    /** What a scenario switch may change: the proxies' flags and the exporter's run name (both stateless). */
    const SWITCH_ALLOWED: AllowRule[] = [
        { type: "docker:index/container:Container", name: /^etcd-peer-proxy-\d$/, paths: [/^command\[\d+\]$/], reason: "proxy flags" },
        {
            type: "docker:index/container:Container",
            name: /^etcd-linearizability-0$/,
            paths: [/^command\[\d+\]$/],
            reason: "a new history per scenario",
        },
        {
            type: "kubernetes:apps/v1:StatefulSet",
            name: /^etcd-peer-proxy$/,
            paths: [/^spec\.template\.spec\.containers\[0\]\.(args|command)\[\d+\]$/, /annotations\.clusterlab\.dev\/config-hash$/],
            reason: "proxy flags",
        },
        {
            type: "kubernetes:apps/v1:Deployment",
            name: /^etcd-linearizability$/,
            paths: [/^spec\.template\.spec\.containers\[0\]\.(args|command)\[\d+\]$/, /annotations\.clusterlab\.dev\/config-hash$/],
            reason: "a new history per scenario",
        },
        ...PROMETHEUS_TARGETS_ALLOWED,
    ];
    /** One-shot steps of the previous scenario, replaced by the next scenario's own (names carry a hash). */
    const ONE_SHOT = /::(scenario-[a-z-]+|linearizability-[a-z-]+|member-kill|defrag-under-load)-[0-9a-f]{8}$/;
    const SCENARIOS = ["baseline", "network-delay", "baseline", "partition", "baseline", "member-kill", "fsync-delay", "baseline"];

    for (const platform of ["docker", "kubernetes"] as const) {
        it(`every scenario switch leaves every etcd member and volume untouched; only proxies, exporter and steps change (${platform})`, async () => {
            const base = deepMerge(NET, { load: { enabled: true } });
            const phases = SCENARIOS.map((scenario, i): [string, ReturnType<typeof stackConfig>] => [
                `${i}:${scenario}`,
                stackConfig("etcd", deepMerge(platform === "docker" ? base : deepMerge(base, K8S), { scenario })),
            ]);
            const reports = await checkPhases("etcd-net", phases, SWITCH_ALLOWED);
            const left = reports.map((r) => ({
                ...r,
                violations: r.violations.filter(
                    (v) => !(v.kind === "deleted" && (ONE_SHOT.test(v.resource) || /::etcd-benchmark-/.test(v.resource))),
                ),
            }));
            assert.equal(describeViolations(left), "");
            const proxiesChanged = reports.filter((r) => r.from.endsWith("baseline") && r.to.endsWith("network-delay"));
            assert.ok(proxiesChanged.length > 0);
            // The proof is not vacuous: entering network-delay did change the proxies, and no etcd member.
            const graphKey = platform === "docker" ? /Container::etcd-peer-proxy-0$/ : /StatefulSet::etcd-peer-proxy$/;
            const all = await checkPhases("etcd-net", [phases[0], phases[1]], PROMETHEUS_TARGETS_ALLOWED);
            const changed = all[0].violations.map((v) => v.resource);
            assert.ok(
                changed.some((k) => graphKey.test(k)),
                `network-delay changed no proxy: ${changed.join(", ")}`,
            );
            assert.ok(!changed.some((k) => /::etcd(-\d)?$|::etcd-\d-data$/.test(k)), `a member changed: ${changed.join(", ")}`);
        });
    }
});
