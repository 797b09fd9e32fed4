export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** RFC 3339 in UTC at second precision, the way Olist timestamps are kept. */
export const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export const midnightUtc = (ms: number) => Math.floor(ms / DAY) * DAY;
