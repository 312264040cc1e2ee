/**
 * Config errors in our users' words: {@link ConfigError} with one line per mistake, the nearest
 * valid key or value for a typo, and zod's issues reworded.
 */
import { z } from "zod";

/** Thrown when a stack config does not parse; `problems` holds one line per mistake. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid clusterlab stack config:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}


/** Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is from a key. */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** The nearest of `candidates` to `word` when it is close enough to be a typo (≤ 1/3 of its length, at least 1, at most 3). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
    let best: { key: string; distance: number } | undefined;
    for (const key of candidates) {
        const distance = editDistance(word, key);
        if (distance <= limit && (!best || distance < best.distance)) best = { key, distance };
    }
    return best?.key;
}

/**
 * One problem line for a key zod does not know: the nearest valid key and the keys at that
 * level; for a dotted top-level key (`pulumi config set tikv.stores 5` without `--path`), how
 * to set it.
 */
export function unknownKey(path: PropertyKey[], key: string, allowed: string[], value: unknown): string {
    const full = [...path, key].join(".");
    const [head, ...rest] = key.split(".");
    if (!path.length && rest.length && allowed.includes(head)) {
        return `${full}: unknown key; a dotted key sets a nested value only with --path: pulumi config rm ${full} && pulumi config set --path ${full} ${typeof value === "string" ? value : JSON.stringify(value)}`;
    }
    const guess = nearest(key, allowed);
    const where = path.length ? `under ${path.join(".")}` : "at the top level";
    return `${full}: unknown key${guess ? ` (did you mean ${[...path, guess].join(".")}?)` : ""}; keys ${where}: ${allowed.join(", ")}`;
}

/** What zod checked, in our words, for issues whose schema gives no wording of its own. */
export function ourWords(issue: z.core.$ZodRawIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return `expected ${{ int: "an integer", object: "a block of keys", boolean: "true or false" }[issue.expected as string] ?? `a ${issue.expected}`}`;
        case "invalid_value":
            return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.origin === "string" ? `expected at least ${issue.minimum} characters` : `expected at least ${issue.minimum}`;
        case "too_big":
            return issue.origin === "string" ? `expected at most ${issue.maximum} characters` : `expected at most ${issue.maximum}`;
        case "invalid_format":
            return issue.format === "regex"
                ? `expected a value matching ${(issue as { pattern?: string }).pattern}`
                : `expected a ${issue.format}`;
        default:
            return "expected a different value";
    }
}

/** The suggestion for a mistyped enum value (`scenario: fsync-dealy` → did you mean "fsync-delay"?). */
export function enumHint(issue: z.core.$ZodIssue, given: unknown): string {
    if (issue.code !== "invalid_value" || typeof given !== "string") return "";
    const guess = nearest(
        given,
        issue.values.filter((v): v is string => typeof v === "string"),
    );
    return guess ? `; did you mean ${JSON.stringify(guess)}?` : "";
}
