/**
 * The stack config: primitives (ports, durations, pinned image references), error rendering,
 * and the root parse that composes every lab's schema from the registry (labs/index.ts).
 * Each lab's own schema lives in labs/<lab>/config.ts and is re-exported here for the tests.
 *
 * Code under labs/ and components/ imports the submodules (./primitives, ./schema, …) rather
 * than this index: the index loads the registry, which loads every lab.
 */
export * from "./checks";
export * from "./common";
export * from "./durations";
export * from "./errors";
export * from "./parse";
export * from "./ports";
export * from "./primitives";
export * from "./schema";
export * from "../../labs/tikv/config";
export * from "../../labs/crdb/config";
export * from "../../labs/etcd/config";
export * from "../../labs/cdc/config";
export * from "../../labs/appcluster/config";
