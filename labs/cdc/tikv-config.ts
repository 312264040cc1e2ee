/**
 * The TiKV configuration both clusters of the RawKV CDC lab run with: API v2 with TTL.
 *
 * TiKV-CDC replicates RawKV only from and to TiKV ≥ v6.2.0 with `storage.api-version = 2` and
 * `storage.enable-ttl = true` (github.com/tikv/migration `cdc/README.md`; TiKV configuration
 * reference `storage.api-version`, `storage.enable-ttl`, docs.pingcap.com/tidb/stable/tikv-configuration-file).
 * Neither has a command-line flag, so the settings go into a TOML file passed as `--config`.
 * TiKV refuses to switch `api-version` on a data directory written with another one, which is
 * one more reason the recovery cluster's volumes are never recreated.
 */
// smol-toml ships CommonJS (`dist/index.cjs`) but types that TypeScript reads as ESM-only under
// `module: node16`; require it with the one function this file uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stringify } = require("smol-toml") as { stringify: (value: Record<string, unknown>) => string };

/** `[storage]` settings that make a TiKV cluster a TiKV-CDC source or sink. */
export const API_V2_STORAGE = { "api-version": 2, "enable-ttl": true } as const;

/** The TOML text of {@link API_V2_STORAGE}, as TiKV reads it from `--config`. */
export function apiV2TikvToml(): string {
    return stringify({ storage: API_V2_STORAGE });
}
