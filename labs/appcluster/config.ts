/** The app cluster lab's config (bring your own image): nodes, env names, ports, volume; its host ports. */
import { z } from "zod";
import { common } from "../../components/config/common";
import { HostPortKey } from "../../components/config/ports";
import { hostPort, intIn, pinnedImage, volumeGiB } from "../../components/config/primitives";
import { LEAVE_PATH } from "./membership";

/** An environment variable name (POSIX: letters, digits, underscore; not starting with a digit). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected an environment variable name such as NODE_ID" });

/** A named port of the app: the port inside the container, and the host port base (node i, 1-based, publishes base + i). */
const appPort = (containerPort: number, hostPortBase: number) =>
    z.strictObject({ containerPort: intIn(1, 65535).default(containerPort), hostPortBase: hostPort.default(hostPortBase) }).prefault({});

/** An HTTP path such as `/health`. */
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, { error: "expected an HTTP path such as /health" });

/**
 * A raft-style service from the user's own image: node 1 bootstraps, nodes 2..N join it.
 * Each env name is the variable the image reads; rename them to fit the image.
 */
const AppSettings = z
    .strictObject({
        /** The user's image, pinned. */
        image: pinnedImage,
        /** Number of nodes (1-based ordinals; node 1 bootstraps). */
        nodes: intIn(1, 9).default(3),
        allowScaleIn: z.boolean().default(false),
        /** Node ordinals (1..nodes) whose containers/pods are stopped, volumes kept: the fault drill. */
        stopped: z.array(intIn(1, 9)).default([]),
        env: z
            .strictObject({
                nodeId: envName.default("NODE_ID"),
                nodeName: envName.default("NODE_NAME"),
                httpAddr: envName.default("HTTP_ADDR"),
                raftAddr: envName.default("RAFT_ADDR"),
                joinAddr: envName.default("JOIN_ADDR"),
                dataDir: envName.default("DATA_DIR"),
            })
            .prefault({}),
        /** Extra plain environment for every node. */
        extraEnv: z.record(envName, z.string()).default({}),
        ports: z
            .strictObject({
                /** HTTP API (`HTTP_ADDR`, `JOIN_ADDR` of the joiners); host 8080 + i. */
                api: appPort(8080, 8080),
                /** Client KV API; host 9080 + i. */
                kv: appPort(9080, 9080),
                /** Raft transport (`RAFT_ADDR`); host 9001 + i. */
                raft: appPort(9001, 9001),
            })
            .prefault({}),
        /** Data directory in the container (`DATA_DIR`), a volume per node. */
        dataDir: z
            .string()
            .regex(/^\/[A-Za-z0-9._\/-]*[A-Za-z0-9._-]$/, {
                error: "expected an absolute directory path other than /, such as /data",
                abort: true,
            })
            .default("/data"),
        storageGiB: volumeGiB.default(1),
        /** Readiness: HTTP GET on the API port. */
        healthPath: httpPath.default("/health"),
        /** Prometheus metrics path on the API port; omit when the image serves none. */
        metricsPath: httpPath.optional(),
        /**
         * Scale-in: the path each leaving node is sent `POST http://<node>:<api port><leavePath>` on,
         * highest node first, before the nodes stop (e.g. `/cluster/leave`, where the image removes
         * itself from the raft configuration). Omit when the image has none: the nodes just stop.
         * The value reaches a shell script and a URL, so only `/` then URL path characters
         * ({@link LEAVE_PATH}: letters, digits, `. _ ~ - /`) are accepted: no scheme, host, query,
         * space or quote.
         */
        leavePath: z
            .string()
            .regex(LEAVE_PATH, {
                error: "expected a URL path such as /cluster/leave (a leading /, then letters, digits, . _ ~ - /; at most 200 characters)",
            })
            .optional(),
    })
    .refine((a) => a.stopped.every((n) => n <= a.nodes), { error: "expected node ordinals within 1..nodes", path: ["stopped"] });

/** The bring-your-own-image lab: N nodes of the user's raft service, Prometheus, Grafana. */
export const AppClusterLabConfig = z.strictObject({
    lab: z.literal("appcluster"),
    ...common,
    app: AppSettings,
});
/** Parsed config of an app cluster stack. */
export type AppClusterLabConfig = z.infer<typeof AppClusterLabConfig>;

/**
 * Rules that span the app's keys, one line per problem naming both keys: each env role needs a
 * variable of its own (one variable cannot be both `NODE_ID` and `JOIN_ADDR`); `extraEnv` may not
 * set a variable the lab sets per node (it would overwrite the node's identity); each of the
 * api/kv/raft ports needs its own container port; at least one node must run.
 */
export function appclusterCrossChecks(config: AppClusterLabConfig): string[] {
    const { app } = config;
    const problems: string[] = [];
    const roles = Object.entries(app.env);
    roles.forEach(([role, name], i) => {
        for (const [other, otherName] of roles.slice(i + 1)) {
            if (name === otherName)
                problems.push(
                    `app.env.${other}: ${name} is already app.env.${role}; give each role its own variable, got ${JSON.stringify(otherName)}`,
                );
        }
    });
    for (const name of Object.keys(app.extraEnv)) {
        const role = roles.find(([, n]) => n === name)?.[0];
        if (role)
            problems.push(
                `app.extraEnv.${name}: the lab sets ${name} per node (app.env.${role}); remove it from extraEnv or rename app.env.${role}`,
            );
    }
    const ports = Object.entries(app.ports);
    ports.forEach(([port, { containerPort }], i) => {
        for (const [other, o] of ports.slice(i + 1)) {
            if (o.containerPort === containerPort)
                problems.push(
                    `app.ports.${other}.containerPort: ${containerPort} is already app.ports.${port}.containerPort; give api, kv and raft a port each, got ${o.containerPort}`,
                );
        }
    });
    if (app.nodes > 0 && Array.from({ length: app.nodes }, (_, i) => i + 1).every((n) => app.stopped.includes(n))) {
        problems.push(
            `app.stopped: every node (1..${app.nodes}) would be stopped; leave at least one running (a fault drill stops some), got ${JSON.stringify(app.stopped)}`,
        );
    }
    return problems;
}

/** Host ports the app cluster publishes: nodes are numbered from 1 and publish base + node number. */
export const APPCLUSTER_HOST_PORTS: HostPortKey[] = [
    { path: "app.ports.api.hostPortBase", members: "app.nodes", offset: 1 },
    { path: "app.ports.kv.hostPortBase", members: "app.nodes", offset: 1 },
    { path: "app.ports.raft.hostPortBase", members: "app.nodes", offset: 1 },
];
