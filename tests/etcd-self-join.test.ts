/**
 * The etcd lab on Kubernetes with a steps image: members join and leave by themselves
 * (labs/etcd/self-join.ts). What the program renders under mocks, step by step with the guard
 * state of the step before, as `pulumi up` would. The scripts' behaviour against real etcd is
 * tests/etcd-self-join.t1.ts.
 */
import * as assert from "node:assert/strict";
import { GuardState, checkTransition, guardState } from "../components/guard";
import { StackConfig } from "../components/config";
import { DockerPlatform } from "../components/platform";
import { ETCD_START_CONFIG, ETCD_VOTING_FILE } from "../labs/etcd/etcd-cluster";
import { Graph, RegisteredResource, evaluate, keyOf, ofType, recordingMocks, stackConfig, waitsFor } from "./support/evaluate";

const STS = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const STEPS = "registry.local/etcd-steps:v3.5.17";
const k8s = (members: number, etcd: Record<string, unknown> = { stepsImage: STEPS }) =>
    stackConfig("etcd", {
        platform: "kubernetes",
        kubernetes: { namespace: "etcd-lab" },
        load: { image: "registry.local/etcd-benchmark:v3.5.17" },
        etcd: { members, allowScaleIn: true, ...etcd },
    });

/** Deploys `configs` in order, each with the guard state of the one before; each step's graph. */
async function evolve(configs: StackConfig[]): Promise<Graph[]> {
    const graphs: Graph[] = [];
    let previous: GuardState | undefined;
    for (const config of configs) {
        assert.deepEqual(previous ? checkTransition(previous, config) : [], [], "the guard refuses a step");
        graphs.push(await evaluate(config, "etcd", previous));
        previous = guardState(config, previous);
    }
    return graphs;
}

const statefulSet = (g: Graph): RegisteredResource => {
    const found = ofType(g, STS).find((s) => s.name === "etcd");
    assert.ok(found, "no etcd StatefulSet");
    return found;
};
/** The StatefulSet's inputs without `spec.replicas`. */
const withoutReplicas = (s: RegisteredResource) => ({ ...s.inputs, spec: { ...s.inputs.spec, replicas: undefined } });

describe("etcd lab on Kubernetes with a steps image: members join and leave by themselves", () => {
    it("each pod starts through the helper: the start script as an init container, the promote script beside etcd, etcd reading the config file they share", async () => {
        const [g] = await evolve([k8s(3)]);
        const pod = statefulSet(g).inputs.spec.template.spec;
        assert.deepEqual(
            pod.initContainers.map((c: { name: string; image: string; command: string[] }) => [c.name, c.image, c.command.slice(0, 2)]),
            [["etcd-start", STEPS, ["/bin/sh", "-c"]]],
        );
        assert.deepEqual(
            pod.containers.map((c: { name: string }) => c.name),
            ["etcd", "etcd-promote"],
        );
        const [etcd, promote] = pod.containers;
        assert.deepEqual(etcd.args, [`--config-file=${ETCD_START_CONFIG}`]);
        // Ready only once its member votes (a learner's /health answers true on the failpoint probe).
        assert.deepEqual(promote.readinessProbe.exec.command, ["/bin/sh", "-c", `test -f ${ETCD_VOTING_FILE}`]);
        assert.match(promote.command[2], /touch "\$VOTING"/);
        const stateVolume = pod.volumes.find((v: { name: string }) => v.name === "start-state");
        assert.equal(stateVolume?.configMap?.name, "etcd-start-state");
        assert.match(pod.initContainers[0].command[2], /member add "\$name" --peer-urls="\$peer" --learner/);
        assert.match(promote.command[2], /member promote "\$id"/);
        // The table names every ordinal the lab can have, by the pods' own DNS names.
        assert.match(
            pod.initContainers[0].command[2],
            /4\) name='etcd-4'; peer='http:\/\/etcd-4\.etcd-peer\.etcd-lab\.svc\.cluster\.local:2380'/,
        );
        const shared = (c: { volumeMounts: { name: string; mountPath: string }[] }) =>
            c.volumeMounts.find((m) => m.name === "start")?.mountPath;
        for (const c of [etcd, promote, pod.initContainers[0]]) assert.equal(shared(c), "/etc/etcd-start");
        assert.ok(pod.volumes.some((v: { name: string; emptyDir?: object }) => v.name === "start" && v.emptyDir));
        assert.ok(
            pod.initContainers[0].volumeMounts.some((m: { name: string }) => m.name === "data"),
            "the start script sees the data volume",
        );
    });

    it("3 → 5 → 3: the pod template never changes, only replicas; growth registers no task; the new count is stored, then the removal Job runs, then the StatefulSet shrinks", async () => {
        const [three, five, back] = await evolve([k8s(3), k8s(5), k8s(3)]);
        assert.deepEqual(withoutReplicas(statefulSet(five)), withoutReplicas(statefulSet(three)));
        assert.deepEqual(withoutReplicas(statefulSet(back)), withoutReplicas(statefulSet(three)));
        assert.deepEqual(
            [three, five, back].map((g) => statefulSet(g).inputs.spec.replicas),
            [3, 5, 3],
        );
        // The state the scripts read lives in a ConfigMap outside the template: the count, and whether the cluster was bootstrapped.
        const state = (g: Graph) => ofType(g, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "etcd-start-state")?.inputs.data;
        assert.deepEqual([three, five, back].map(state), [
            { members: "3\n", bootstrapped: "no\n" },
            { members: "5\n", bootstrapped: "yes\n" },
            { members: "3\n", bootstrapped: "yes\n" },
        ]);
        const membershipJobs = (g: Graph) =>
            ofType(g, JOB)
                .map((j) => j.name)
                .filter((n) => /^etcd-(grow|shrink|roll)-/.test(n));
        assert.deepEqual(membershipJobs(five), []);
        assert.deepEqual(membershipJobs(back), ["etcd-shrink-5-to-3"]);
        assert.ok(
            waitsFor(back, keyOf({ type: STS, name: "etcd" }), keyOf({ type: JOB, name: "etcd-shrink-5-to-3" })),
            "the StatefulSet does not wait for the removals",
        );
        // The new count is stored before the removals: a leaving pod restarted after them reads 3 and stays out.
        assert.ok(
            waitsFor(
                back,
                keyOf({ type: JOB, name: "etcd-shrink-5-to-3" }),
                keyOf({ type: "kubernetes:core/v1:ConfigMap", name: "etcd-start-state" }),
            ),
            "the removal Job does not wait for the new count",
        );
        const job = ofType(back, JOB).find((j) => j.name === "etcd-shrink-5-to-3")!;
        assert.equal(job.inputs.spec.template.spec.containers[0].image, STEPS);
        assert.match(job.inputs.spec.template.spec.containers[0].args[0], /'member' 'remove' "\$MEMBER_ID"/);
    });

    it("the guard: a count change needs the steps image deployed before it, and names that order", () => {
        const without = guardState(k8s(3, {}));
        assert.match(
            checkTransition(without, k8s(5)).join("\n"),
            /etcd\.members: 3 → 5 together with a new etcd\.stepsImage: .* pulumi up at 3 members with the steps image first/,
        );
        assert.match(checkTransition(without, k8s(5, {})).join("\n"), /set etcd\.stepsImage .* pulumi up once at 3 members/);
        // Setting the image alone goes (the StatefulSet rolls once); then the count change goes.
        assert.deepEqual(checkTransition(without, k8s(3)), []);
        assert.deepEqual(checkTransition(guardState(k8s(3), without), k8s(5)), []);
        assert.deepEqual(checkTransition(guardState(k8s(5)), k8s(3)), []);
        // Dropping the steps image after a join is refused; before any join it goes.
        const grown = guardState(k8s(5), guardState(k8s(3), without));
        assert.match(
            checkTransition(grown, k8s(5, {})).join("\n"),
            /etcd\.stepsImage: unset on kubernetes after members joined or left through it \(3 bootstrapped, 5 deployed\)/,
        );
        assert.deepEqual(checkTransition(guardState(k8s(3), without), k8s(3, {})), []);
        // Quorum still bounds a removal.
        assert.match(checkTransition(guardState(k8s(5)), k8s(1)).join("\n"), /etcd\.members: 5 → 1 removes 4 members at once/);
    });

    it("Docker refuses a member helper (its members are concrete; their steps are tasks)", async () => {
        await recordingMocks("etcd");
        const docker = new DockerPlatform("docker", { lab: "etcd", stack: "helper", arch: "amd64" });
        assert.throws(
            () =>
                docker.deployGroup(
                    {
                        name: "etcd",
                        component: "etcd",
                        replicas: 1,
                        image: "x",
                        args: () => [],
                        ports: [],
                        helper: { image: "s", sharedPath: "/s", before: { name: "b", script: "true" } },
                    },
                    docker,
                ),
            /etcd: a member helper is Kubernetes only/,
        );
    });
});
