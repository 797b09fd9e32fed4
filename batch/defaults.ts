/**
 * How far before the watermark a run reads raw rows again (ms). A row can become visible after a
 * run read past its ingested_at: a worker's micro-batch waits up to its max age (1 s by default,
 * 6 s in the slowest configuration tried), a BigQuery append is retried up to 4 x 30 s, and
 * clocks of workers and the warehouse disagree by seconds. 15 minutes covers all of it several
 * times over; rereading the window costs little because publishing merges by key.
 */
export const DEFAULT_SAFETY_WINDOW_MS = 15 * 60_000;

/** How long the lease holds if a run dies without giving it up (ms): the Cloud Run job's timeout is 1 h. */
export const DEFAULT_LEASE_TTL_MS = 6 * 3_600_000;
