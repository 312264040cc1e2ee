/**
 * Reads the Mermaid diagrams of `docs/` and the claims they make, by the convention documented in
 * `docs/diagrams/README.md`: a `%% clusterlab …` line binds a diagram to a stack (or says it is a
 * concept), and a node's id prefix says what kind of thing its label names
 * (`m_` member, `s_` Service, `t_` task, `d_` dashboard, `p_` phase). The first line of a
 * prefixed node's label (up to the first `<br/>`) is the thing's exact name.
 *
 * Only the subset of Mermaid flowchart syntax the docs use is understood: one statement per line,
 * node shapes with double-quoted labels, edges `-->`, `-.->`, `==>`, `---`, `-.-`, `<-->`, `<-.->` with optional
 * `|label|`. Anything else in a prefixed node or edge makes {@link parseFlowchart} throw, so a
 * diagram the parser misreads fails loudly rather than passing unchecked.
 * Mermaid's flowchart grammar: mermaid.js.org/syntax/flowchart.html.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

/** One fenced ```` ```mermaid ```` block of a Markdown file. */
export interface MermaidBlock {
    /** Path relative to the repository root, e.g. `docs/diagrams/crdb.md`. */
    file: string;
    /** 1-based line of the opening fence, for messages. */
    line: number;
    /** The block's text, fences excluded. */
    source: string;
}

/** What a diagram is bound to, from its `%% clusterlab …` line. */
export type Binding =
    | { kind: "stack"; stack: string; /** Member groups the diagram leaves out (`omit=prometheus,grafana`). */ omit: string[] }
    | { kind: "evolution"; stacks: string[] }
    | { kind: "concept" };

/** Node kinds by id prefix. */
export const NODE_KINDS = {
    m_: "member",
    s_: "service",
    t_: "task",
    d_: "dashboard",
    p_: "phase",
} as const;

/** A node kind. */
export type NodeKind = (typeof NODE_KINDS)[keyof typeof NODE_KINDS];

/** A prefixed (checked) node. */
export interface DiagramNode {
    id: string;
    kind: NodeKind;
    /** The whole label, `<br/>` kept. */
    label: string;
    /** The label's first line: the thing's name (may hold `{placeholder}`s: see {@link namePattern}). */
    name: string;
}

/** A parsed flowchart: checked nodes (in order of first definition) and every edge between ids. */
export interface Flowchart {
    binding: Binding;
    /** Frontmatter `title:`, if any. */
    title?: string;
    nodes: Map<string, DiagramNode>;
    edges: { from: string; to: string }[];
    /** Subgraph id → ids of the nodes first defined inside it (nested subgraphs included). */
    subgraphs: Map<string, string[]>;
}

/** Every ```` ```mermaid ```` block of every Markdown file under `dir` (recursive), sorted by path. */
export function mermaidBlocks(root: string, dir: string): MermaidBlock[] {
    const files = (readdirSync(join(root, dir), { recursive: true }) as string[]).filter((f) => f.endsWith(".md")).sort();
    return files.flatMap((f) => blocksOf(relative(root, join(root, dir, f)), readFileSync(join(root, dir, f), "utf8")));
}

/** The Mermaid blocks of one Markdown text. */
export function blocksOf(file: string, markdown: string): MermaidBlock[] {
    const blocks: MermaidBlock[] = [];
    const lines = markdown.split("\n");
    for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() !== "```mermaid") continue;
        const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
        if (end < 0) throw new Error(`${file}:${i + 1}: unterminated mermaid block`);
        blocks.push({ file, line: i + 1, source: lines.slice(i + 1, end).join("\n") });
        i = end;
    }
    return blocks;
}

/**
 * The block's binding line: `%% clusterlab stack=phase1` (optionally ` omit=prometheus,grafana`),
 * `%% clusterlab evolution=phase0,phase1`
 * or `%% clusterlab concept`.
 * @throws Error when there is none, more than one, or it does not parse.
 */
export function bindingOf(block: MermaidBlock): Binding {
    const where = `${block.file}:${block.line}`;
    const lines = block.source.split("\n").filter((l) => /^\s*%%\s*clusterlab\b/.test(l));
    if (lines.length !== 1) throw new Error(`${where}: expected one "%% clusterlab …" line, found ${lines.length}`);
    const rest = lines[0].replace(/^\s*%%\s*clusterlab\s*/, "").trim();
    let m: RegExpMatchArray | null;
    if (rest === "concept") return { kind: "concept" };
    if ((m = rest.match(/^stack=([a-z0-9-]+)(?: omit=([a-z0-9-]+(?:,[a-z0-9-]+)*))?$/)))
        return { kind: "stack", stack: m[1], omit: m[2]?.split(",") ?? [] };
    if ((m = rest.match(/^evolution=([a-z0-9-]+(?:,[a-z0-9-]+)+)$/))) return { kind: "evolution", stacks: m[1].split(",") };
    throw new Error(`${where}: cannot read "${lines[0].trim()}" (stack=NAME [omit=GROUP,…], evolution=A,B,… or concept)`);
}

/** Node shapes with a quoted label: `id["…"]`, `id[("…")]`, `id[["…"]]`, `id(["…"])`, `id(("…"))`, `id{"…"}`, `id{{"…"}}`, `id>"…"]`, `id[/"…"/]`. */
const NODE =
    /\b([A-Za-z][A-Za-z0-9_]*)(\[\[|\[\(|\(\[|\(\(|\{\{|\[\/|\[\\|\[|\(|\{|>)"([^"]*)"(\]\]|\)\]|\]\)|\)\)|\}\}|\/\]|\\\]|\]|\)|\})/g;
/** Edge operators the docs use, with an optional `|label|` (longest first). */
const EDGE = /\s*(?:<-\.->|<-->|-\.->|-\.-|-->|==>|---)(?:\|[^|]*\|)?\s*/;

/**
 * Parses a flowchart block.
 * @throws Error on a prefixed node defined twice with different labels, an edge to an unknown
 *   prefixed id, a label without a name, or a line that looks like an edge but does not parse.
 */
export function parseFlowchart(block: MermaidBlock): Flowchart {
    const where = (n: number) => `${block.file}:${block.line + n + 1}`;
    const binding = bindingOf(block);
    const title = block.source.match(/^---\n(?:[^\n]*\n)*?title:\s*"?([^"\n]*)"?\n(?:[^\n]*\n)*?---/)?.[1];
    const nodes = new Map<string, DiagramNode>();
    const edges: { from: string; to: string }[] = [];
    const subgraphs = new Map<string, string[]>();
    const open: string[] = [];
    // Frontmatter lines are blanked, not removed, so messages keep the block's line numbers.
    const lines = block.source.replace(/^---\n[\s\S]*?\n---\n/, (front) => "\n".repeat(front.split("\n").length - 1)).split("\n");
    lines.forEach((raw, n) => {
        const line = raw.trim();
        if (
            !line ||
            line.startsWith("%%") ||
            /^(flowchart|graph)\b/.test(line) ||
            /^(direction\b|classDef\b|class\b|style\b|linkStyle\b)/.test(line)
        )
            return;
        const sub = line.match(/^subgraph\s+([A-Za-z][A-Za-z0-9_]*)/);
        if (sub) {
            subgraphs.set(sub[1], []);
            open.push(sub[1]);
            return;
        }
        if (line === "end") {
            if (!open.pop()) throw new Error(`${where(n)}: "end" without a subgraph`);
            return;
        }
        // Node definitions: record, then reduce each to its id.
        const bare = line.replace(NODE, (_all, id: string, _open, label: string) => {
            const prefix = Object.keys(NODE_KINDS).find((p) => id.startsWith(p)) as keyof typeof NODE_KINDS | undefined;
            if (prefix) {
                const name = label.split(/<br\s*\/?>/)[0].trim();
                if (!name) throw new Error(`${where(n)}: ${id} has no name (the label's first line)`);
                const node: DiagramNode = { id, kind: NODE_KINDS[prefix], label, name };
                const seen = nodes.get(id);
                if (seen && seen.label !== label) throw new Error(`${where(n)}: ${id} defined twice with different labels`);
                if (!seen) for (const g of open) subgraphs.get(g)!.push(id);
                nodes.set(id, node);
            }
            return id;
        });
        const parts = bare.split(EDGE);
        if (parts.length === 1) {
            if (!/^[A-Za-z][A-Za-z0-9_]*(:::[A-Za-z0-9_]+)?$/.test(bare)) throw new Error(`${where(n)}: cannot read "${line}"`);
            return;
        }
        const ids = parts.map((p) => p.replace(/:::[A-Za-z0-9_]+$/, ""));
        for (const id of ids) if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(id)) throw new Error(`${where(n)}: cannot read "${line}" (at "${id}")`);
        for (let i = 1; i < ids.length; i++) edges.push({ from: ids[i - 1], to: ids[i] });
    });
    for (const e of edges)
        for (const id of [e.from, e.to])
            if (Object.keys(NODE_KINDS).some((p) => id.startsWith(p)) && !nodes.has(id))
                throw new Error(`${block.file}:${block.line}: edge names ${id}, which no node defines with a label`);
    return { binding, title, nodes, edges, subgraphs };
}

/** The names of a diagram's nodes of one kind. */
export function namesOf(chart: Flowchart, kind: NodeKind): string[] {
    return [...chart.nodes.values()].filter((n) => n.kind === kind).map((n) => n.name);
}

/**
 * A node name as a pattern over registered names: `{word}` matches one or more of
 * `[a-z0-9.-]` (a run id, a scenario), and a trailing `-<8 hex>` content hash may follow.
 * `sql-01-bootstrap` matches `sql-01-bootstrap-72fbbfb1`; `rawkv-check-{run}` matches
 * `rawkv-check-before-none-s1-3dca7da7`.
 */
export function namePattern(name: string): RegExp {
    const body = name
        .split(/(\{[a-z]+\})/)
        .map((part) => (/^\{[a-z]+\}$/.test(part) ? "[a-z0-9.-]+?" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}(-[0-9a-f]{8})?$`);
}

/**
 * The path through `chart`: from the node no edge enters, along the single edge out of each
 * node. An edge between two subgraphs (`P0 --> P1`) joins the last node of the first subgraph's
 * own path to the first node of the second's, so each phase can be drawn as its own column.
 * @throws Error when there is not exactly one start, a node has two edges out, or the path loops.
 */
export function chain(chart: Flowchart): string[] {
    const nodeEdges = chart.edges.filter((e) => !chart.subgraphs.has(e.from) && !chart.subgraphs.has(e.to));
    const inside = (group: string) => new Set(chart.subgraphs.get(group) ?? []);
    const end = (group: string, side: "from" | "to") => {
        const members = inside(group);
        const own = nodeEdges.filter((e) => members.has(e.from) && members.has(e.to));
        const ends = [...members].filter(
            (id) => !own.some((e) => e[side === "from" ? "to" : "from"] === id) && own.some((e) => e[side] === id),
        );
        if (ends.length !== 1) throw new Error(`subgraph ${group}: expected one path inside it, found ends ${ends.join(", ") || "none"}`);
        return ends[0];
    };
    const joined = chart.edges
        .filter((e) => chart.subgraphs.has(e.from) && chart.subgraphs.has(e.to))
        .map((e) => ({ from: end(e.from, "to"), to: end(e.to, "from") }));
    const out = new Map<string, string>();
    const entered = new Set<string>();
    for (const e of [...nodeEdges, ...joined]) {
        if (out.has(e.from)) throw new Error(`${e.from} has two edges out: the evolution is one path`);
        out.set(e.from, e.to);
        entered.add(e.to);
    }
    const starts = [...out.keys()].filter((id) => !entered.has(id));
    if (starts.length !== 1) throw new Error(`the evolution must be one path; it starts at ${starts.join(", ") || "nothing"}`);
    const path = [starts[0]];
    for (let i = 0; i < out.size && out.has(path[path.length - 1]); i++) path.push(out.get(path[path.length - 1])!);
    if (out.has(path[path.length - 1])) throw new Error(`the evolution loops at ${path[path.length - 1]}`);
    return path;
}
