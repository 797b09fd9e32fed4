// Dependency-free facts about the sinks, for flag definitions: importing them must not load a
// warehouse client (every CLI start would pay for DuckDB and the BigQuery libraries).

/** How long the DuckDB sink keeps the file between batches (ms), and at most in one turn while another process waits. */
export const DUCKDB_HOLD_DEFAULTS = { holdIdleMs: 20, maxHoldMs: 1000 };

/** DuckDB's memory_limit in a worker: it caches the blocks it writes up to this (its own default is 80% of RAM). */
export const DUCKDB_WORKER_MEMORY_LIMIT = '32MB';

/**
 * DuckDB's checkpoint_threshold in a worker: how large the WAL grows before DuckDB folds it into
 * the file. A checkpoint costs about as much for a few thousand rows as for tens of thousands; at
 * its default (16MB, about a second of a worker under load) DuckDB used more CPU a message and
 * left a larger file (docs/worker.md has the figures). The WAL is what a crash leaves to replay.
 */
export const DUCKDB_WORKER_CHECKPOINT_THRESHOLD = '64MB';

/** Where `setup --engine bigquery` creates the raw dataset by default: Terraform's bigquery_location default. */
export const BIGQUERY_DEFAULT_LOCATION = 'EU';
