/** Pub/Sub's largest message: 10 MB of data (Pub/Sub quotas and limits). */
export const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;
