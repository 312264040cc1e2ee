/**
 * Image substitutions: the stack config's `images:` map, applied wherever a lab asks the
 * platform for an image, so a stack can run every image from a mirror or a local build
 * without a key per image. Same idea and matching as kustomize's `images:` transformer
 * (kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/): an entry matches
 * by repository (any tag) or by exact reference; the exact reference wins.
 *
 * Every image a lab runs is either a pinned reference the user or the lab names, or one built
 * from a Dockerfile in this repository (tools with no official image: go-ycsb, the etcd
 * benchmark, TiKV-CDC, the CDC workload, the sample app). That choice is made once, here
 * ({@link imageSource}, {@link resolveImage}); each lab's config docstrings name its default
 * references and the key that substitutes each.
 */
import * as pulumi from "@pulumi/pulumi";
import { ImageBuildSpec, Platform } from "./platform/types";

/** Repository or full reference → the pinned reference to run instead. */
export type ImageSubstitutions = Record<string, string>;

/** Image of the labs' shell steps (etcd scenario switches, the app cluster's leave requests): curl and a POSIX shell, multi-arch (hub.docker.com/r/curlimages/curl). */
export const CURL_IMAGE = "curlimages/curl:8.11.1";

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

/** Where an image comes from: a pinned reference to pull, or a Dockerfile in this repository to build. */
export type ImageSource = { ref: string } | { build: ImageBuildSpec };

/**
 * The "pinned image or local build" decision: the reference the user configured when there is
 * one (e.g. `load.image`), else the build of this repository's Dockerfile. Kubernetes refuses a
 * local build (`Platform.buildImage`), and config validation asks for the reference there first.
 */
export function imageSource(pinned: string | undefined, build: ImageBuildSpec): ImageSource {
    return pinned ? { ref: pinned } : { build };
}

/** The image reference the platform runs for `source`: the pulled reference, or the local build (registered under `parent`). */
export function resolveImage(platform: Platform, source: ImageSource, parent: pulumi.Resource): pulumi.Input<string> {
    return "ref" in source ? platform.image(source.ref) : platform.buildImage(source.build, parent);
}
