/**
 * The CockroachDB lab's phases as data: node count, replication factor, the SQL files each
 * phase adds, and whether a backup precedes it. Files live in `sql/`; `*.crdb.sql` files are
 * CockroachDB-only, the rest are PostgreSQL-compatible (tests run them on PostgreSQL).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One phase of the evolution. */
export interface CrdbPhase {
    phase: number;
    /** Minimum nodes the phase needs (its replication factor). */
    replicationFactor: number;
    /** SQL files the phase adds, in order, relative to `sql/`. */
    sql: string[];
    /** A backup runs before the phase's node-count change. */
    backupBefore: boolean;
}

/**
 * Phase 0 → 1 → 2: RF 1 → 2 → 3, writer user in phase 0, reader user in phase 1. A completed
 * step's file is never edited (its content names its Job): new SQL is a new file appended.
 */
export const CRDB_PHASES: CrdbPhase[] = [
    {
        phase: 0,
        replicationFactor: 1,
        sql: [
            "00-database.crdb.sql",
            "01-bootstrap.sql",
            "05-phase0-rf1.crdb.sql",
            "06-phase0-writer-user.crdb.sql",
            "07-phase0-writer-grants.sql",
        ],
        backupBefore: false,
    },
    {
        phase: 1,
        replicationFactor: 2,
        sql: ["10-phase1-reader-user.crdb.sql", "11-phase1-reader-grants.sql", "15-phase1-rf2.crdb.sql"],
        backupBefore: true,
    },
    { phase: 2, replicationFactor: 3, sql: ["20-phase2-rf3.crdb.sql"], backupBefore: true },
];

/** The lab database (created by `00-database.crdb.sql`; the SQL files name it). */
export const DATABASE = "lab";
/** The read-only user (created by `10-phase1-reader-user.crdb.sql`). */
/** The sample app's writing SQL user: INSERT and SELECT on the app's tables only (created and granted in sql/, phase 0). */
export const WRITER_USER = "writer";
export const READER_USER = "reader";

/** The backup statement file. */
export const BACKUP_SQL = "backup.crdb.sql";

/** Directory of the SQL files. */
export const SQL_DIR = join(__dirname, "..", "..", "sql");

/**
 * Reads a SQL file from `sql/`.
 * @throws Error when the file is missing.
 */
export function readSql(file: string): string {
    return readFileSync(join(SQL_DIR, file), "utf8");
}

/**
 * Phases whose backup this stack takes: those after the phase it was first deployed at, up to
 * `phase`. A stack created directly at phase 2 has no earlier cluster to back up.
 */
export function backupPhases(firstPhase: number, phase: number): CrdbPhase[] {
    return CRDB_PHASES.filter((p) => p.backupBefore && p.phase > firstPhase && p.phase <= phase);
}

/** Phases up to and including `phase`, in order. */
export function phasesThrough(phase: number): CrdbPhase[] {
    return CRDB_PHASES.filter((p) => p.phase <= phase);
}
