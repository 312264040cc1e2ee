import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { DockerPlatform, KubernetesPlatform, MemberGroupSpec, Platform } from "../components/platform";
import { Graph, ofType, recordingMocks, settle } from "./support/evaluate";

const group = (platform: Platform): MemberGroupSpec => ({
    name: "db",
    component: "db",
    replicas: 2,
    image: platform.image("example/db:1.2.3"),
    args: (m) => [`--name=${m.name}`, `--advertise=${m.host}:7000`],
    ports: [{ name: "client", containerPort: 7000, hostPortBase: 17000 }],
    data: { mountPath: "/data", sizeGiB: 3 },
    files: [{ path: "/etc/db/db.conf", content: "x = 1\n" }],
    readiness: { http: { port: 7000, path: "/health" } },
    secretEnv: { DB_PASSWORD: pulumi.secret("s3cret-value") },
    clientServices: [{ name: "db-writer", ports: ["client"] }],
});

async function materialize(make: () => Platform & pulumi.Resource): Promise<Graph> {
    const graph = await recordingMocks("unit");
    const platform = make();
    platform.deployGroup(group(platform), platform);
    platform.runTask(
        { name: "db-init-abc123", component: "db", image: "example/db:1.2.3", args: ["init"], waitForCompletion: true },
        platform,
    );
    platform.runTask(
        { name: "db-load", component: "load", image: "example/load:1.0.0", args: ["run"], waitForCompletion: false, retries: 2 },
        platform,
    );
    await settle();
    return graph;
}

describe("Docker platform", () => {
    let graph: Graph;
    before(async () => {
        graph = await materialize(() => new DockerPlatform("docker", { lab: "unit", stack: "unit", arch: "arm64" }));
    });

    it("creates one network, one retained volume and one container per member", () => {
        assert.equal(ofType(graph, "docker:index/network:Network").length, 1);
        assert.deepEqual(
            ofType(graph, "docker:index/volume:Volume")
                .map((v) => v.name)
                .sort(),
            ["db-0-data", "db-1-data"],
        );
        const members = ofType(graph, "docker:index/container:Container").filter((c) => /^db-\d$/.test(c.name));
        assert.equal(members.length, 2);
    });

    it("gives each container its identity, healthcheck, restart policy, labels, alias and upload", () => {
        const c = ofType(graph, "docker:index/container:Container").find((r) => r.name === "db-1")!;
        assert.deepEqual(c.inputs.command, ["--name=db-1", "--advertise=db-1:7000"]);
        assert.equal(c.inputs.restart, "unless-stopped");
        assert.deepEqual(c.inputs.ports, [{ internal: 7000, external: 17001, ip: "127.0.0.1" }]);
        assert.deepEqual(c.inputs.networksAdvanced[0].aliases, ["db-1", "db", "db-writer"]);
        assert.deepEqual(c.inputs.uploads, [{ file: "/etc/db/db.conf", content: "x = 1\n" }]);
        assert.match(c.inputs.healthcheck.tests[1], /127\.0\.0\.1:7000\/health/);
        assert.ok(c.inputs.labels.some((l: { label: string; value: string }) => l.label === "clusterlab.member" && l.value === "db-1"));
        assert.deepEqual(c.inputs.volumes, [{ volumeName: "clusterlab-unit-db-1-data", containerPath: "/data" }]);
    });

    it("pulls the image once, for the stack's architecture", () => {
        const pulls = ofType(graph, "docker:index/remoteImage:RemoteImage");
        assert.equal(pulls.length, 1);
        assert.equal(pulls[0].inputs.platform, "linux/arm64");
    });

    it("attaches to a step that must finish first, and leaves a load generator running with bounded restarts", () => {
        const step = ofType(graph, "docker:index/container:Container").find((r) => r.name === "db-init-abc123")!;
        assert.equal(step.inputs.attach, true);
        assert.equal(step.inputs.restart, "no");
        assert.equal(step.inputs.mustRun, false);
        const load = ofType(graph, "docker:index/container:Container").find((r) => r.name === "db-load")!;
        assert.equal(load.inputs.attach, undefined);
        assert.equal(load.inputs.restart, "on-failure");
        assert.equal(load.inputs.maxRetryCount, 2);
    });
});

describe("Kubernetes platform", () => {
    let graph: Graph;
    before(async () => {
        graph = await materialize(
            () =>
                new KubernetesPlatform("kubernetes", {
                    lab: "unit",
                    namespace: "lab",
                    renderYamlToDirectory: "/tmp/unused",
                }),
        );
    });
    const one = (type: string, name: string) => {
        const r = ofType(graph, type).find((x) => x.name === name);
        assert.ok(r, `no ${type} ${name}`);
        return r.inputs;
    };

    it("creates a headless peer Service, a StatefulSet, a client Service, extra entrypoints and a PDB", () => {
        const peer = one("kubernetes:core/v1:Service", "db-peer");
        assert.equal(peer.spec.clusterIP, "None");
        assert.equal(peer.spec.publishNotReadyAddresses, true);
        const sts = one("kubernetes:apps/v1:StatefulSet", "db");
        assert.equal(sts.spec.serviceName, "db-peer");
        assert.equal(sts.spec.replicas, 2);
        assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "3Gi");
        assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(one("kubernetes:core/v1:Service", "db-client").metadata.name, "db");
        assert.deepEqual(one("kubernetes:core/v1:Service", "db-writer").spec.selector, sts.spec.selector.matchLabels);
        assert.deepEqual(one("kubernetes:policy/v1:PodDisruptionBudget", "db-pdb").spec.maxUnavailable, 1);
    });

    it("uses one pod template for every ordinal: identity from the downward API", () => {
        const container = one("kubernetes:apps/v1:StatefulSet", "db").spec.template.spec.containers[0];
        assert.deepEqual(container.args, ["--name=$(POD_NAME)", "--advertise=$(POD_NAME).db-peer.lab.svc.cluster.local:7000"]);
        assert.ok(container.env.some((e: any) => e.name === "POD_NAME" && e.valueFrom.fieldRef.fieldPath === "metadata.name"));
        assert.deepEqual(container.readinessProbe.httpGet, { port: 7000, path: "/health" });
    });

    it("derives the selector from names only, so an image bump cannot replace the StatefulSet", () => {
        const sts = one("kubernetes:apps/v1:StatefulSet", "db");
        assert.ok(!JSON.stringify(sts.spec.selector).includes("1.2.3"));
        assert.deepEqual(Object.keys(sts.spec.selector.matchLabels).sort(), ["app.kubernetes.io/name", "app.kubernetes.io/part-of"]);
    });

    it("keeps secrets in a Secret referenced by name, and files in a ConfigMap", () => {
        const container = one("kubernetes:apps/v1:StatefulSet", "db").spec.template.spec.containers[0];
        const ref = container.env.find((e: any) => e.name === "DB_PASSWORD");
        assert.deepEqual(ref.valueFrom.secretKeyRef, { name: "db-env", key: "DB_PASSWORD" });
        assert.ok(!JSON.stringify(container).includes("s3cret-value"));
        assert.equal(one("kubernetes:core/v1:ConfigMap", "db-files").data["etc-db-db.conf"], "x = 1\n");
    });

    it("runs a task as a Job, awaited unless it is a load generator", () => {
        const job = one("kubernetes:batch/v1:Job", "db-init-abc123");
        assert.equal(job.spec.template.spec.restartPolicy, "OnFailure");
        assert.deepEqual(job.spec.template.spec.containers[0].args, ["init"]);
        assert.equal(job.metadata.annotations, undefined);
        assert.deepEqual(one("kubernetes:batch/v1:Job", "db-load").metadata.annotations, { "pulumi.com/skipAwait": "true" });
    });

    it("pins no node architecture (multi-arch images) and keeps the Namespace's PVCs on delete", async () => {
        const sts = one("kubernetes:apps/v1:StatefulSet", "db");
        assert.equal(sts.spec.template.spec.nodeSelector, undefined);
        // Deleting a Namespace deletes every PVC in it, whatever the StatefulSet's retention policy
        // (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention):
        // the Namespace itself must be retained. Resource options never reach the mocks' inputs, so
        // read them where the engine would, in a stack transformation.
        const options = new Map<string, pulumi.CustomResourceOptions>();
        await recordingMocks("unit-options");
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                options.set(`${args.type}::${args.name}`, args.opts as pulumi.CustomResourceOptions);
                return undefined;
            });
            const platform = new KubernetesPlatform("kubernetes", { lab: "unit", namespace: "lab", renderYamlToDirectory: "/tmp/unused" });
            platform.deployGroup(group(platform), platform);
            return {};
        });
        await settle();
        const namespace = options.get("kubernetes:core/v1:Namespace::kubernetes-namespace");
        assert.ok(namespace, `no Namespace among ${[...options.keys()].join(", ")}`);
        assert.equal(namespace.retainOnDelete, true, "the Namespace is not retained on delete: its PVCs would go with it");
        assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("renders to a directory when asked", () => {
        assert.equal(one("pulumi:providers:kubernetes", "kubernetes-provider").renderYamlToDirectory, "/tmp/unused");
    });
});
