/**
 * The diagrams in docs/ say what the program registers. Expectations come from the diagrams' own
 * text (convention: docs/diagrams/README.md), the truth from each stack evaluated under mocks:
 * members and Services both ways, tasks and dashboards by name, the CockroachDB evolution step by
 * step in dependency order, and no phase the config accepts without a diagram. The demo script's
 * dashboard panels and stacks are checked the same way.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Graph, ROOT, evaluate, keyOf, ofType, runProgram, stackConfig, stackFiles, waitsFor } from "./support/evaluate";
import { Inventory, inventory } from "./support/inventory";
import { Binding, Flowchart, MermaidBlock, bindingOf, chain, mermaidBlocks, namePattern, namesOf, parseFlowchart } from "./support/mermaid";

const STACK = "docs-demo";
/** The last deployment's guard state, as `runProgram` takes it (its type, without importing where the guard lives). */
type GuardState = NonNullable<Parameters<typeof runProgram>[2]>;
const blocks = mermaidBlocks(ROOT, "docs");
/** Parsed lazily, inside the tests: a diagram that does not parse fails its own test, not the whole run. */
const charts = () => blocks.map((b) => ({ block: b, chart: parseFlowchart(b) }));
const where = (b: { file: string; line: number }) => `${b.file}:${b.line}`;

/** `lab` of every tracked stack file. */
function labOf(stack: string): string {
    const raw = stackFiles().get(stack);
    assert.ok(raw, `no Pulumi.${stack}.yaml`);
    return String(raw["clusterlab:lab"] ?? raw["lab"]);
}

/** The evolutions the docs declare: stack → the stacks before it on the same live stack. */
function predecessors(): Map<string, string[]> {
    const before = new Map<string, string[]>();
    for (const block of blocks) {
        let binding: Binding;
        try {
            binding = bindingOf(block);
        } catch {
            continue; // fails in the block's own test
        }
        if (binding.kind === "evolution") binding.stacks.forEach((s, i, all) => before.set(s, all.slice(0, i)));
    }
    return before;
}

const graphs = new Map<string, Promise<Graph>>();
/**
 * A stack's graph as the docs show it: evolved through the stacks before it on one live stack
 * (each previous deployment's `clusterlabGuard` output handed to the next, as index.ts reads it),
 * or created directly when no evolution names it.
 */
function graphOf(stack: string): Promise<Graph> {
    if (!graphs.has(stack))
        graphs.set(
            stack,
            (async () => {
                let guard: GuardState | undefined;
                for (const earlier of predecessors().get(stack) ?? []) {
                    const run = await runProgram(stackFiles().get(earlier)!, STACK, guard);
                    assert.ifError(run.error);
                    guard = run.outputs!.clusterlabGuard as GuardState;
                    assert.ok(guard, `${earlier}: no clusterlabGuard output`);
                }
                return evaluate(stackConfig(stack), STACK, guard);
            })(),
        );
    return graphs.get(stack)!;
}

/** Member group of a member name: `crdb-2` → `crdb`, `app-3-0` → `app-3`. */
const groupOf = (member: string) => member.replace(/-\d+$/, "");

/** Every mismatch between a stack-bound diagram and its stack's inventory. */
function mismatches(chart: Flowchart, inv: Inventory, omit: string[]): string[] {
    const problems: string[] = [];
    const members = new Set(inv.members);
    const drawnMembers = namesOf(chart, "member");
    for (const m of drawnMembers)
        if (!members.has(m)) problems.push(`member ${m} is drawn but not registered (registered: ${inv.members.join(", ")})`);
    for (const g of omit) if (!inv.members.some((m) => groupOf(m) === g)) problems.push(`omit=${g}: the stack has no group ${g}`);
    for (const m of inv.members)
        if (!omit.includes(groupOf(m)) && !drawnMembers.includes(m)) problems.push(`member ${m} is registered but not drawn`);
    const drawnServices = namesOf(chart, "service").sort();
    if (drawnServices.join() !== inv.services.join())
        problems.push(`Services drawn [${drawnServices.join(", ")}] ≠ registered entry Services [${inv.services.join(", ")}]`);
    for (const t of namesOf(chart, "task"))
        if (!inv.tasks.some((name) => namePattern(t).test(name)))
            problems.push(`task ${t} matches no registered task (${inv.tasks.join(", ")})`);
    const drawnDashboards = namesOf(chart, "dashboard").sort();
    const titles = [...inv.dashboards.keys()].sort();
    for (const d of drawnDashboards)
        if (!inv.dashboards.has(d)) problems.push(`dashboard "${d}" is not provisioned (${titles.join(", ")})`);
    if (!omit.includes("grafana"))
        for (const d of titles) if (!drawnDashboards.includes(d)) problems.push(`dashboard "${d}" is provisioned but not drawn`);
    if (namesOf(chart, "phase").length) problems.push("phase nodes (p_) belong in an evolution diagram");
    return problems;
}

/**
 * Checks an evolution diagram: its stacks are every stack of the lab in phase order, the config
 * accepts no later phase, and its path lists, per phase, the Jobs the resized StatefulSet waits for
 * (the backup), the phase node, then the phase's other new Jobs in dependency order.
 */
async function checkEvolution(block: MermaidBlock, chart: Flowchart, stacks: string[]): Promise<void> {
    // Its stacks: every stack of the lab, in phase order, and the config accepts no later phase.
    const lab = labOf(stacks[0]);
    const ofLab = [...stackFiles().keys()].filter((s) => labOf(s) === lab);
    const phases = stacks.map((s) => stackConfig(s) as { phase: number });
    assert.deepEqual([...stacks].sort(), ofLab.sort(), `${where(block)}: names ${stacks.join(", ")}; lab ${lab} has ${ofLab.join(", ")}`);
    assert.deepEqual(
        phases.map((p) => p.phase),
        stacks.map((_, i) => i),
        `${where(block)}: stacks not in phase order 0, 1, …`,
    );
    const next = stacks.length;
    assert.throws(
        () => stackConfig(stacks[next - 1], { phase: next, crdb: { nodes: next + 1 } }),
        /phase/,
        `the config accepts phase ${next}, which ${where(block)} does not show`,
    );
    // Expected: per phase, the Jobs it adds, those the resized StatefulSet waits for first,
    // then the phase, then the rest in dependency order.
    const expected: string[] = [];
    let before: Graph | undefined;
    for (const stack of stacks) {
        const graph = await graphOf(stack);
        const jobs = ofType(graph, "kubernetes:batch/v1:Job").filter((j) => !before?.resources.has(keyOf(j)));
        const resized = ofType(graph, "kubernetes:apps/v1:StatefulSet").filter(
            (s) => before?.resources.get(keyOf(s))?.inputs.spec.replicas !== s.inputs.spec.replicas,
        );
        const first = jobs.filter((j) => resized.some((s) => waitsFor(graph, keyOf(s), keyOf(j))));
        const rest = jobs.filter((j) => !first.includes(j));
        const ordered: typeof rest = [];
        for (let guard = 0; rest.length && guard < 1000; guard++) {
            const i = rest.findIndex((j) => !rest.some((o) => o !== j && waitsFor(graph, keyOf(j), keyOf(o))));
            assert.ok(i >= 0, `${stack}: the Jobs wait on each other in a cycle`);
            ordered.push(...rest.splice(i, 1));
        }
        const phase = graph.outputs.phase as number;
        expected.push(...first.map((j) => j.name), `Phase ${phase}`, ...ordered.map((j) => j.name));
        before = graph;
    }
    const drawn = chain(chart)
        .map((id) => chart.nodes.get(id))
        .filter((n) => n !== undefined);
    assert.equal(
        drawn.length,
        expected.length,
        `${where(block)}: draws\n  ${drawn.map((n) => n.name).join(" → ")}\nexpected\n  ${expected.join(" → ")}`,
    );
    drawn.forEach((node, i) =>
        assert.ok(
            node.kind === "phase" ? node.name === expected[i] : namePattern(node.name).test(expected[i]),
            `${where(block)}: step ${i + 1} is "${node.name}", expected "${expected[i]}"\n  expected: ${expected.join(" → ")}`,
        ),
    );
    // Each phase node states the node count (from → to) and replication factor.
    let previousNodes: number | undefined;
    for (const stack of stacks) {
        const outputs = (await graphOf(stack)).outputs as { phase: number; nodes: number; replicationFactor: number };
        const node = drawn.find((n) => n.name === `Phase ${outputs.phase}`)!;
        const m = node.label.match(/(?:(\d+) → )?(\d+) nodes?\b.*\bRF (\d+)/);
        assert.ok(m, `${node.id}: label "${node.label}" must say "[A → ]B node(s) … RF C"`);
        assert.equal(Number(m[2]), outputs.nodes, `${node.id}: nodes`);
        assert.equal(Number(m[3]), outputs.replicationFactor, `${node.id}: replication factor`);
        assert.equal(m[1] === undefined ? undefined : Number(m[1]), previousNodes, `${node.id}: nodes before the phase`);
        previousNodes = outputs.nodes;
    }
}

describe("docs diagrams: what they name is what the program registers", () => {
    it("finds diagrams, each bound to a stack, an evolution or a concept", () => {
        assert.ok(blocks.length >= 9, `only ${blocks.length} mermaid blocks under docs/`);
        for (const { block, chart } of charts()) assert.ok(chart.binding, where(block));
    });

    it("gives every lab an architecture diagram and every CockroachDB phase stack its own", () => {
        const bound = new Set(charts().flatMap(({ chart }) => (chart.binding.kind === "stack" ? [chart.binding.stack] : [])));
        const labs = new Map<string, string[]>();
        for (const stack of stackFiles().keys()) labs.set(labOf(stack), [...(labs.get(labOf(stack)) ?? []), stack]);
        for (const [lab, stacks] of labs)
            assert.ok(
                stacks.some((s) => bound.has(s)),
                `lab ${lab} (${stacks.join(", ")}): no diagram bound to any of its stacks`,
            );
        for (const stack of labs.get("crdb") ?? [])
            assert.ok(bound.has(stack), `phase stack ${stack} has no diagram (%% clusterlab stack=${stack})`);
    });

    for (const block of blocks) {
        it(`${where(block)} names what its stack registers, or is labelled a concept`, async () => {
            const chart = parseFlowchart(block);
            const binding = chart.binding;
            if (binding.kind === "stack") {
                const problems = mismatches(chart, inventory(await graphOf(binding.stack)), binding.omit);
                assert.deepEqual(problems, [], `${where(block)} (stack ${binding.stack}):\n  ${problems.join("\n  ")}`);
            } else if (binding.kind === "concept") {
                assert.match(chart.title ?? "", /concept/i, `${where(block)}: a concept diagram needs "concept" in its title:`);
                assert.deepEqual(
                    [...chart.nodes.keys()],
                    [],
                    `${where(block)}: a concept diagram has no checked (m_, s_, t_, d_, p_) nodes`,
                );
            } else {
                await checkEvolution(block, chart, binding.stacks);
            }
        });
    }

    it("reads the convention strictly: unquoted or unknown syntax fails with its line", () => {
        const block = (source: string) => ({ file: "x.md", line: 10, source });
        const head = "---\ntitle: t\n---\n%% clusterlab stack=phase0\nflowchart LR\n";
        const chart = parseFlowchart(block(`${head}    m_a[("crdb-0<br/>PVC")] -->|x| s_b[["crdb-writer"]]\n    t_c["sql-01-bootstrap"]`));
        assert.deepEqual(
            [...chart.nodes.values()].map((n) => [n.kind, n.name]),
            [
                ["member", "crdb-0"],
                ["service", "crdb-writer"],
                ["task", "sql-01-bootstrap"],
            ],
        );
        assert.deepEqual(chart.edges, [{ from: "m_a", to: "s_b" }]);
        assert.equal(chart.title, "t");
        assert.throws(() => parseFlowchart(block(`${head}    m_a[crdb-0]`)), /^Error: x\.md:16: cannot read "m_a\[crdb-0\]"/);
        assert.throws(() => parseFlowchart(block(`${head}    m_a["crdb-0"] --> m_z`)), /edge names m_z/);
        assert.throws(() => parseFlowchart(block("flowchart LR\n    a --> b")), /expected one "%% clusterlab …" line, found 0/);
        assert.ok(namePattern("rawkv-check-{run}").test("rawkv-check-before-none-s1-3dca7da7"));
        assert.ok(!namePattern("sql-01-bootstrap").test("sql-01-bootstrap-extra"));
    });

    it("links every diagram file from the README", () => {
        const readme = readFileSync(join(ROOT, "README.md"), "utf8");
        for (const file of new Set(blocks.map((b) => b.file))) assert.ok(readme.includes(`](${file})`), `README.md does not link ${file}`);
    });
});
