// Defaults the CLI shows in --help: kept free of imports so loading them loads nothing else.

/** Push subscriptions' concurrent requests at most, each (the push window's ceiling). */
export const DEFAULT_PUSH_MAX_CONCURRENCY = 1000;
/** Pub/Sub starts a push window at a small single-digit size. */
export const INITIAL_PUSH_WINDOW = 3;
/** Bytes of unacknowledged messages the emulator holds at most; publishing beyond fails with RESOURCE_EXHAUSTED. */
export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024 * 1024;
