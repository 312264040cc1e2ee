/** Prometheus durations (`15s`, `1m30s`, `7d`) in config: parsing and ranges. */
import { z } from "zod";

/** Milliseconds per unit of a Prometheus duration (prometheus/common `model/time.go`, `ParseDuration`). */
const DURATION_UNITS: [string, number][] = [
    ["y", 365 * 24 * 3600_000],
    ["w", 7 * 24 * 3600_000],
    ["d", 24 * 3600_000],
    ["h", 3600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
];

/**
 * Parses a Prometheus duration (`15s`, `1m30s`, `7d`, `1y`, `0`) into milliseconds: units in
 * descending order, each at most once, as prometheus/common `model/time.go` `ParseDuration`
 * accepts them.
 * @returns milliseconds, or undefined when `text` is not a Prometheus duration.
 */
export function parsePromDuration(text: string): number | undefined {
    if (text === "0") return 0;
    const match = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/.exec(text);
    if (!match || text === "") return undefined;
    return DURATION_UNITS.reduce((ms, [, unit], i) => ms + Number(match[i + 1] ?? 0) * unit, 0);
}

/**
 * A Prometheus duration string between `min` and `max` (both Prometheus durations themselves).
 * The value stays a string: Prometheus reads it as given.
 */
export function promDurationIn(min: string, max: string) {
    const lo = parsePromDuration(min)!;
    const hi = parsePromDuration(max)!;
    const error = `expected a Prometheus duration ${min}..${max} such as 15s, 1m or 7d`;
    return z
        .string({ error })
        .refine((t) => parsePromDuration(t) !== undefined, { error, abort: true })
        .refine(
            (t) => {
                const ms = parsePromDuration(t);
                return ms === undefined || (ms >= lo && ms <= hi);
            },
            { error },
        );
}
