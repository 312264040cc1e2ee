/**
 * The engine's floor for a phase stack's work: a program that registers the same Kubernetes
 * objects the stack rendered (scripts/bench/floor-resources.ts, file named by
 * `CLUSTERLAB_FLOOR_FILE`) as literal resources of the same types, through one kubernetes
 * provider configured as the program's (server-side apply), with no components, no config
 * parsing, no guard and no ordering between them. Its preview and up time is what the engine
 * and the provider need for those objects; the phase stack's time over it is what our program adds.
 */
import { readFileSync } from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { FloorResource } from "./floor-resources";

/** A resource of any type token, registered as given (`CustomResource` is abstract only to make typed subclasses). */
class LiteralResource extends pulumi.CustomResource {}

export = async (): Promise<Record<string, unknown>> => {
    const file = process.env.CLUSTERLAB_FLOOR_FILE;
    if (!file) throw new Error("CLUSTERLAB_FLOOR_FILE is not set: the floor program replays that file's objects");
    const resources = JSON.parse(readFileSync(file, "utf8")) as FloorResource[];
    const provider = new k8s.Provider("floor-provider", { enableServerSideApply: true });
    for (const r of resources) new LiteralResource(r.type, r.name, r.inputs, { provider });
    return { objects: resources.length };
};
