/**
 * Config primitives every lab's schema is built from: integer ranges, host ports, volume sizes
 * and pinned image references, each with the wording our users see in an error.
 */
import { z } from "zod";

/** An integer in `lo..hi` with the error wording our users see (`expected an integer 1..9`). */
export function intIn(lo: number, hi: number) {
    const error = `expected an integer ${lo}..${hi}`;
    return z.int({ error }).min(lo, { error }).max(hi, { error });
}

/**
 * A TCP port the host publishes (1024..65535: no privileged ports on a laptop). A key that
 * is the first of a member group's ports (member N publishes base + N) is also checked as a
 * whole range, and against every other host port of the stack: see {@link HOST_PORT_KEYS}.
 */
export const hostPort = intIn(1024, 65535);

/**
 * Tags that move: the image behind them changes without the config changing, so a
 * `pulumi up` is not reproducible. Docker's own default tag is `latest`
 * (docs.docker.com/reference/cli/docker/image/tag); the others are the branch-build tags
 * registries publish (e.g. `pingcap/tikv:nightly`, `grafana/grafana:main`).
 */
export const MOVING_TAGS: readonly string[] = ["latest", "main", "master", "nightly", "edge", "dev", "stable", "head"];

/**
 * Version-like: starts with a version (`v8.5.1`, `11.3.1`, `8.5`, `v3.5.17-gofail`) or carries a
 * dotted one (`cdc-v1.1.1`, `2.42-a`). Not `bookworm`, not a date-stamped branch build.
 */
export const VERSION_LIKE = /^v?[0-9]|[0-9]+\.[0-9]+/;

/**
 * A pinned image tag: version-like (see VERSION_LIKE). Tag grammar: distribution/reference `reference.go`
 * (`[\w][\w.-]{0,127}`). Moving tags ({@link MOVING_TAGS}) are refused by name.
 */
export const pinnedTag = z
    .string({ error: "expected an image tag string such as v8.5.1 (quote it in YAML if it looks like a number)" })
    .refine((t) => !MOVING_TAGS.includes(t.toLowerCase()), {
        error: "expected a pinned version tag such as v8.5.1, not a moving tag",
        abort: true,
    })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "expected an image tag such as v8.5.1", abort: true })
    .regex(VERSION_LIKE, { error: "expected a version-like image tag such as v8.5.1, 11.3.1 or cdc-v1.1.1" });

/**
 * A full image reference, pinned: `repo/name:1.2.3`, `repo/name@sha256:<64 hex>` or both.
 * The tag part follows {@link pinnedTag}'s rules. Grammar: distribution/reference `reference.go`.
 */
export const pinnedImage = z
    .string({ error: "expected an image reference repo:tag" })
    .refine((r) => !MOVING_TAGS.some((t) => r.toLowerCase().endsWith(`:${t}`)), {
        error: "expected a pinned version tag or a digest, not a moving tag such as latest",
        abort: true,
    })
    .regex(/^[a-z0-9][a-z0-9._\-/:]*?(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?$/, {
        error: "expected an image reference with a pinned tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
        abort: true,
    })
    .refine(
        (r) =>
            /@sha256:[a-f0-9]{64}$/.test(r) ||
            VERSION_LIKE.test(/:([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(r.replace(/^[^/]*:[0-9]+\//, ""))?.[1] ?? ""),
        {
            error: "expected an image reference with a pinned version tag or digest, e.g. repo/name:1.2.3 or repo/name@sha256:…",
        },
    );

/** Data volume size in GiB (Kubernetes PVC request; Docker volumes are unbounded). */
export const volumeGiB = intIn(1, 1024);
