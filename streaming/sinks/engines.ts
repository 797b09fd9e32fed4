// Dependency-free facts about the sinks, for flag definitions: importing them must not load a
// warehouse client (every CLI start would pay for DuckDB and the BigQuery libraries).
export const ENGINES = ['duckdb', 'bigquery'] as const;
export type Engine = (typeof ENGINES)[number];

/** How long the DuckDB sink keeps the file between batches (ms) and at most in one turn. */
export const DUCKDB_HOLD_DEFAULTS = { holdIdleMs: 20, maxHoldMs: 1000 };

/** DuckDB's memory_limit in a worker: it caches the blocks it writes up to this (its own default is 80% of RAM). */
export const DUCKDB_WORKER_MEMORY_LIMIT = '32MB';
