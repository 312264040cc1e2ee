/**
 * Image substitutions: the stack config's `images:` map, applied wherever a lab asks the
 * platform for an image, so a stack can run every image from a mirror or a local build
 * without a key per image. Same idea and matching as kustomize's `images:` transformer
 * (kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/): an entry matches
 * by repository (any tag) or by exact reference; the exact reference wins.
 *
 * The images the labs pull by default (each a pinned official image):
 *
 * | key (repository)               | default reference                       | used by |
 * |--------------------------------|-----------------------------------------|---------|
 * | `gcr.io/etcd-development/etcd` | `…:v3.5.17` (`etcd.version`)            | etcd members, the defrag step |
 * | `prom/prometheus`              | `…:v2.55.1` (`observability.prometheusVersion`) | Prometheus |
 * | `grafana/grafana`              | `…:11.3.1` (`observability.grafanaVersion`)     | Grafana |
 * | `curlimages/curl`              | `curlimages/curl:8.11.1`                | the etcd failpoint step |
 * | `pingcap/pd`, `pingcap/tikv`   | `…:v8.5.1` (`version`)                  | PD, TiKV |
 * | `cockroachdb/cockroach`        | `…:v24.3.5` (`crdb.version`)            | CockroachDB nodes and SQL steps |
 *
 * Images built from this repo's Dockerfiles (go-ycsb, the etcd benchmark) are replaced with
 * `load.image`; a failpoint build of etcd is `etcd.failpointImage`.
 */
import { Platform } from "./platform/types";

/** Repository or full reference → the pinned reference to run instead. */
export type ImageSubstitutions = Record<string, string>;

/**
 * The repository of a reference: without `@digest` and without `:tag` (a colon after the last
 * slash; `registry:5000/x` keeps its port). Grammar: distribution/reference `reference.go`.
 */
export function repositoryOf(ref: string): string {
    const noDigest = ref.split("@")[0];
    const colon = noDigest.lastIndexOf(":");
    return colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest;
}

/** The reference to run for `ref`: an exact entry, else a repository entry, else `ref` itself. */
export function substituteImage(ref: string, substitutions: ImageSubstitutions): string {
    return substitutions[ref] ?? substitutions[repositoryOf(ref)] ?? ref;
}

/**
 * The same platform, with `image(ref)` substituted. A Proxy rather than a wrapper class so
 * that every other Platform method (and any added later) passes through untouched.
 */
export function withImageSubstitutions<P extends Platform>(platform: P, substitutions: ImageSubstitutions): P {
    if (!Object.keys(substitutions).length) return platform;
    return new Proxy(platform, {
        get(target, prop, receiver) {
            if (prop === "image") return (ref: string) => target.image(substituteImage(ref, substitutions));
            const value = Reflect.get(target, prop, receiver);
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
}
