// How long the online store keeps what monitoring reads back: a fact of the stored data (Redis expiries,
// PostgreSQL pruning), not a setting. It lives here because two folders depend on it: the stores keep counts
// this long, and the configuration refuses a window (LAG_WINDOW, HOT_KEY_WINDOW) longer than what is kept.

/** How lag buckets expire: the store keeps counts for this long after their bucket starts. */
export const LAG_RETENTION_MS = 60 * 60 * 1000;

/** How long read counts are kept for hot-key detection: longer than any detection window. */
export const READ_COUNT_RETENTION_MS = 10 * 60 * 1000;
