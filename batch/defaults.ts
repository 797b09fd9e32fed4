/**
 * How far before the watermark a run reads raw rows again (ms). ingested_at is stamped as the row
 * is written (the DuckDB insert transaction, each BigQuery append attempt), yet a row can still
 * become visible after a run read past it: the commit follows the stamp (an append can take up to
 * its 30 s timeout), and clocks of workers and the warehouse disagree by seconds. 15 minutes
 * covers that, and a batch stamped before that fix (micro-batch age, 4 x 30 s of retries), several
 * times over; rereading the window costs little because publishing merges by key.
 */
export const DEFAULT_SAFETY_WINDOW_MS = 15 * 60_000;

/** How long the lease holds if a run dies without giving it up (ms): the Cloud Run job's timeout is 1 h. */
export const DEFAULT_LEASE_TTL_MS = 6 * 3_600_000;
