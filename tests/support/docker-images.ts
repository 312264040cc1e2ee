/**
 * The Docker tier's images, built here without any image registry: a Debian base from
 * `debootstrap --variant=minbase` + `docker import`, then the Dockerfiles in `docker/test/`
 * (`docker build --network host` reaches Debian's mirror for `apt-get`). Each tag carries a
 * content hash (Dockerfile, context files, base), so an unchanged image is never rebuilt
 * while the engine's data-root survives (docker-engine.ts keeps it in the user's cache).
 *
 * debootstrap: `debootstrap [--variant=minbase] SUITE TARGET MIRROR` (debootstrap(8));
 * import: Engine API `POST /images/create?fromSrc=-` (dockerode `importImage`);
 * build: Engine API `POST /build` with `networkmode=host` (dockerode `buildImage`).
 */
import Docker from "dockerode";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { cachedDirectory } from "./build-cache";
import { ROOT } from "./evaluate";
import { CACHE_DIR } from "./docker-engine";
import { requireTool } from "./tools";

/** Debian suite of the base image: this machine's release (bookworm). */
export const SUITE = "bookworm";

/** Where `../shared/tools/etcd-gofail/build.sh` puts etcd, etcdctl and benchmark. */
export const GOFAIL_BIN = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "etcd-gofail", "bin");

/** A short SHA-256 of some buffers/strings. */
function hashOf(...parts: (string | Buffer)[]): string {
    const h = createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest("hex").slice(0, 12);
}

/**
 * This machine's Debian mirror: the first `URIs:` of a deb822 file in
 * /etc/apt/sources.list.d, else the first `deb` line of /etc/apt/sources.list.
 * @throws Error when neither names one.
 */
export function debianMirror(): string {
    const dir = "/etc/apt/sources.list.d";
    for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
        const m = /^URIs:\s*(\S+)/m.exec(readFileSync(join(dir, file), "utf8"));
        if (m && !/security/.test(m[1])) return m[1];
    }
    const list = existsSync("/etc/apt/sources.list") ? readFileSync("/etc/apt/sources.list", "utf8") : "";
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(list);
    if (m) return m[1];
    throw new Error("no Debian mirror in /etc/apt/sources.list.d or /etc/apt/sources.list");
}

async function hasImage(docker: Docker, tag: string): Promise<boolean> {
    try {
        await docker.getImage(tag).inspect();
        return true;
    } catch {
        return false;
    }
}

/** Waits for a build/import progress stream; throws on an `error` message in it. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
    return new Promise((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, output: { error?: string; stream?: string }[]) => {
            const failed = err?.message ?? output.find((o) => o.error)?.error;
            if (failed) {
                const tail = output
                    .map((o) => o.stream ?? "")
                    .join("")
                    .slice(-2000);
                reject(new Error(`${what}: ${failed}\n${tail}`));
            } else resolve();
        }),
    );
}

/**
 * The Debian base image (`clusterlab-test/debian:<suite>-minbase-<hash of suite+mirror>`),
 * debootstrapped (≈ 2 min, cached as a root filesystem under the user's cache, one builder at a
 * time: build-cache.ts) and imported when missing.
 * @returns its tag.
 * @throws Error when debootstrap fails or is not installed (its mounts and directory removed), or
 *   another run holds the rootfs lock for longer than build-cache.ts `LOCK_WAIT_MS`.
 */
export async function baseImage(docker: Docker): Promise<string> {
    const mirror = debianMirror();
    const tag = `clusterlab-test/debian:${SUITE}-minbase-${hashOf(SUITE, mirror)}`;
    if (await hasImage(docker, tag)) return tag;
    // Shared by every run on the machine: locked, built privately and renamed (build-cache.ts).
    const rootfs = await cachedDirectory(
        join(CACHE_DIR, "rootfs"),
        `${SUITE}-minbase-${hashOf(SUITE, mirror)}`,
        (dir) => existsSync(join(dir, "etc", "debian_version")),
        (target) => {
            const debootstrap = requireTool("debootstrap");
            const r = spawnSync("nice", [debootstrap, "--variant=minbase", SUITE, target, mirror], { encoding: "utf8", timeout: 900_000 });
            if (r.status !== 0) throw new Error(`debootstrap failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
        },
    );
    const tar = spawn("tar", ["-C", rootfs, "--numeric-owner", "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const [repo, version] = tag.split(":");
    const stream = await docker.importImage(tar.stdout as unknown as string, { repo, tag: version });
    await follow(docker, stream, `docker import ${tag}`);
    return tag;
}

/** A test image: a folder of docker/test/ plus files copied into its build context. */
export interface TestImage {
    /** Folder under docker/test/ holding the Dockerfile, e.g. `etcd`. */
    name: string;
    /** Absolute paths of files copied into the context root (binaries). */
    contextFiles?: string[];
}

/**
 * Builds `docker/test/<name>` FROM the base (build arg `BASE`) unless its content-hash tag
 * exists, with host networking so `apt-get` reaches the mirror.
 * @returns the tag, `clusterlab-test/<name>:0.0.0-<hash>`.
 * @throws Error with the build's last output when the build fails, or when a context file is missing.
 */
export async function testImage(docker: Docker, base: string, image: TestImage): Promise<string> {
    const dir = join(ROOT, "docker", "test", image.name);
    const dockerfile = readFileSync(join(dir, "Dockerfile"));
    for (const file of image.contextFiles ?? []) {
        if (!existsSync(file)) throw new Error(`${file} is missing: run bash ../shared/tools/etcd-gofail/build.sh v3.5.17`);
    }
    // `0.0.0-<hash>`: version-like, as the stack config requires of every image tag, and unique by content.
    const tag = `clusterlab-test/${image.name}:0.0.0-${hashOf(base, dockerfile, ...(image.contextFiles ?? []).map((f) => readFileSync(f)))}`;
    if (await hasImage(docker, tag)) return tag;
    const context = mkdtempSync(join(tmpdir(), `image-${image.name}-`));
    try {
        copyFileSync(join(dir, "Dockerfile"), join(context, "Dockerfile"));
        for (const file of image.contextFiles ?? []) copyFileSync(file, join(context, basename(file)));
        const stream = await docker.buildImage(
            { context, src: ["Dockerfile", ...(image.contextFiles ?? []).map((f) => basename(f))] },
            { t: tag, buildargs: { BASE: base }, networkmode: "host", rm: true, forcerm: true },
        );
        await follow(docker, stream, `docker build ${tag}`);
    } finally {
        rmSync(context, { recursive: true, force: true });
    }
    if (!(await hasImage(docker, tag))) throw new Error(`docker build ${tag} reported success but no image exists`);
    return tag;
}

/** The app cluster lab's stand-in node image (docker/test/appnode: busybox httpd). */
export async function appNodeImage(docker: Docker): Promise<string> {
    return testImage(docker, await baseImage(docker), {
        name: "appnode",
        contextFiles: [join(ROOT, "docker", "test", "appnode", "node.sh")],
    });
}

/** The images the etcd lab runs in the Docker tier, by role. */
export interface EtcdLabImages {
    /** etcd 3.5.17 with failpoints: both the plain member image and the failpoint image. */
    etcd: string;
    prometheus: string;
    curl: string;
    benchmark: string;
}

/** Builds (or finds) every image of the etcd lab's Docker tier. */
export async function etcdLabImages(docker: Docker): Promise<EtcdLabImages> {
    const base = await baseImage(docker);
    const bin = (name: string) => join(GOFAIL_BIN, name);
    return {
        etcd: await testImage(docker, base, { name: "etcd", contextFiles: [bin("etcd"), bin("etcdctl")] }),
        prometheus: await testImage(docker, base, { name: "prometheus" }),
        curl: await testImage(docker, base, { name: "curl" }),
        benchmark: await testImage(docker, base, { name: "etcd-benchmark", contextFiles: [bin("benchmark")] }),
    };
}
