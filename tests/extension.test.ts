/**
 * Adding a lab is a folder plus a registry line; adding a platform is one file. Both proved
 * here without touching the guard, the config parse or the builders:
 * - a test-only lab (a single etcd member, no scenarios) registered from this file, evaluated
 *   on Docker and Kubernetes and guarded; the guard's verdicts are checked against the graphs
 *   the program registers (tests/support/mutations.ts `statefulChanges`);
 * - a test-only third platform that only renders manifests (the Kubernetes objects written to a
 *   directory, pulumi-kubernetes `renderYamlToDirectory`), registered from this file, on which
 *   the guard refuses a volume size change because the platform says it replaces the volume.
 */
import * as assert from "node:assert/strict";
import { z } from "zod";
import { common } from "../components/config/common";
import { hostPort, pinnedTag, volumeGiB } from "../components/config/primitives";
import { parseStackConfig } from "../components/config";
import { checkTransition, guardState } from "../components/guard";
import { KubernetesPlatform, PlatformTraits, registerPlatform, unregisterPlatform } from "../components/platform";
import { registerLab, unregisterLab } from "../labs";
import { EtcdCluster } from "../labs/etcd/etcd-cluster";
import { defineLab } from "../labs/types";
import { evaluate, ofType } from "./support/evaluate";
import { statefulChanges, withValue } from "./support/mutations";

/** The test-only lab's schema: one etcd member, its version, volume and client port. */
const SingleEtcdConfig = z.strictObject({
    lab: z.literal("etcd-single"),
    ...common,
    etcd: z
        .strictObject({ version: pinnedTag.default("v3.5.17"), storageGiB: volumeGiB.default(1), clientHostPort: hostPort.default(2379) })
        .prefault({}),
});

/** The test-only lab: what a new folder under labs/ would hold, in one object. */
const singleEtcd = defineLab({
    name: "etcd-single",
    schema: SingleEtcdConfig,
    hostPorts: [{ path: "etcd.clientHostPort" }],
    build: (config, platform, { stack }) => {
        const etcd = new EtcdCluster("etcd", {
            platform,
            members: 1,
            image: `gcr.io/etcd-development/etcd:${config.etcd.version}`,
            clusterToken: `clusterlab-${stack}`,
            quotaBackendBytes: 2 * 1024 ** 3,
            clientHostPort: config.etcd.clientHostPort,
            storageGiB: config.etcd.storageGiB,
        });
        return { outputs: { etcdEndpoints: etcd.userEndpoints }, monitoring: { scrapeJobs: etcd.scrapeJobs, dashboards: [] } };
    },
    groups: (config) => [
        {
            name: "etcd",
            members: 1,
            stateful: true,
            fields: {
                image: { "etcd.version": config.etcd.version },
                hostPorts: { "etcd.clientHostPort": config.etcd.clientHostPort },
                volumeSize: { "etcd.storageGiB": config.etcd.storageGiB },
            },
        },
    ],
});

/** The third platform's traits, stated here (its one file): a template change rolls, a volume size replaces the volume. */
const MANIFEST_TRAITS: PlatformTraits = {
    effects: {
        image: "rolls",
        spec: "rolls",
        hostPorts: "none",
        volumeSize: "replacesVolume",
        namespace: "none",
        storageClass: "none",
        cluster: "none",
    },
    capabilities: { buildImages: false, sizeVolumes: true, groupOwnedSecrets: true },
    placement: () => ({}),
    statefulTypes: {},
};

const parse = (raw: Record<string, unknown>) => parseStackConfig({ grafanaAdminPassword: "extension-test", ...raw });

describe("a test-only lab, registered from the test", function () {
    this.timeout(120_000);
    before(() => registerLab(singleEtcd));
    after(() => unregisterLab("etcd-single"));

    it("parses with its own defaults and is refused once unregistered labs are asked for", () => {
        const config = parse({ lab: "etcd-single" }) as unknown as z.infer<typeof SingleEtcdConfig>;
        assert.equal(config.etcd.storageGiB, 1);
        assert.throws(() => parse({ lab: "etcd-singel" }), /did you mean "etcd-single"\?/);
    });

    it("registers one etcd member on Docker (a container and a volume)", async () => {
        const graph = await evaluate(parse({ lab: "etcd-single" }), "ext");
        assert.deepEqual(
            ofType(graph, "docker:index/container:Container")
                .filter((c) => c.name.startsWith("etcd"))
                .map((c) => c.name),
            ["etcd-0"],
        );
        assert.equal(ofType(graph, "docker:index/volume:Volume").filter((v) => v.name.startsWith("etcd")).length, 1);
    });

    it("registers a one-replica StatefulSet with a volume claim template on Kubernetes", async () => {
        const graph = await evaluate(parse({ lab: "etcd-single", platform: "kubernetes" }), "ext");
        const sts = ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "etcd");
        assert.ok(sts, "no etcd StatefulSet");
        assert.equal(sts.inputs.spec.replicas, 1);
        assert.equal(sts.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
    });

    for (const platform of ["docker", "kubernetes"]) {
        it(`on ${platform}, the guard refuses exactly the one-key changes whose graph replaces the member or its volume`, async () => {
            const raw = { lab: "etcd-single", platform };
            const base = parse(raw);
            const deployed = guardState(base);
            const before = await evaluate(base, "ext", deployed);
            const verdicts: string[] = [];
            for (const [path, value] of [
                ["etcd.version", "v3.5.18"],
                ["etcd.storageGiB", 2],
                ["etcd.clientHostPort", 2479],
                ["observability.scrapeInterval", "30s"],
            ] as const) {
                const next = parse(withValue(raw, path, value));
                const changes = statefulChanges(before, await evaluate(next, "ext", deployed));
                const refused = checkTransition(deployed, next);
                assert.equal(
                    refused.length > 0,
                    changes.length > 0,
                    `${path}: guard ${refused.join("; ") || "allows"}, graph ${changes.join("; ") || "nothing"}`,
                );
                verdicts.push(`${path}:${refused.length ? "refused" : "allowed"}`);
            }
            // What each platform says decides it: Docker recreates the member for a new image or port,
            // Kubernetes rolls it and replaces the volume for a new size.
            assert.deepEqual(
                verdicts,
                platform === "docker"
                    ? [
                          "etcd.version:refused",
                          "etcd.storageGiB:allowed",
                          "etcd.clientHostPort:refused",
                          "observability.scrapeInterval:allowed",
                      ]
                    : [
                          "etcd.version:allowed",
                          "etcd.storageGiB:refused",
                          "etcd.clientHostPort:allowed",
                          "observability.scrapeInterval:allowed",
                      ],
            );
        });
    }
});

describe("a test-only third platform that only renders manifests, registered from the test", function () {
    this.timeout(120_000);
    before(() =>
        registerPlatform({
            name: "manifests",
            traits: MANIFEST_TRAITS,
            create: (config, _stack, opts) =>
                new KubernetesPlatform(
                    "manifests",
                    { lab: config.lab, namespace: config.kubernetes.namespace, renderYamlToDirectory: "/tmp/clusterlab-manifests" },
                    opts,
                ),
        }),
    );
    after(() => unregisterPlatform("manifests"));

    it("is a platform the config accepts while registered", () => {
        assert.equal(parse({ lab: "tikv", platform: "manifests", load: { image: "registry.local/go-ycsb:1.0.1" } }).platform, "manifests");
    });

    it("renders the TiKV lab through a provider that writes manifests", async () => {
        const graph = await evaluate(parse({ lab: "tikv", platform: "manifests" }), "ext");
        const provider = ofType(graph, "pulumi:providers:kubernetes")[0];
        assert.equal(provider?.inputs.renderYamlToDirectory, "/tmp/clusterlab-manifests");
        assert.equal(ofType(graph, "kubernetes:apps/v1:StatefulSet").find((s) => s.name === "tikv")?.inputs.spec.replicas, 3);
    });

    it("has the guard refuse a volume size change and allow a version change, with no guard edit", () => {
        const deployed = guardState(parse({ lab: "tikv", platform: "manifests" }));
        assert.deepEqual(checkTransition(deployed, parse({ lab: "tikv", platform: "manifests", tikv: { storageGiB: 20 } })), [
            "tikv.storageGiB: 10 → 20 would replace stateful resources; set allowReplace: true to allow it",
        ]);
        assert.deepEqual(checkTransition(deployed, parse({ lab: "tikv", platform: "manifests", version: "v8.5.2" })), []);
        assert.deepEqual(
            checkTransition(deployed, parse({ lab: "tikv", platform: "manifests", tikv: { storageGiB: 20 }, allowReplace: true })),
            [],
        );
    });

    it("is refused by config once unregistered", () => {
        unregisterPlatform("manifests");
        assert.throws(() => parse({ lab: "tikv", platform: "manifests" }), /platform: expected "docker" or "kubernetes"/);
        registerPlatform({ name: "manifests", traits: MANIFEST_TRAITS, create: () => assert.fail("not built") });
    });
});
