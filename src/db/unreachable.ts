// Whether a database error means the database cannot be reached (down, restarting, closed, network), as opposed
// to a statement that is wrong. The one place that knows what node-postgres and PGlite throw in that case, so
// every caller (registry queries, the PostgreSQL online store) answers UNAVAILABLE, which clients may retry,
// instead of an internal error, which they should not.
import { unavailable } from '../core/errors.js';

/** Socket errors of a connection that failed or broke. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or not there yet: 57P01 admin_shutdown (a fast stop), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down), 53300 too_many_connections; class 08 is
 * connection exceptions.
 */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres and PGlite say without a code: a connection that ended, a pool timeout, a closed database. */
const GONE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed/i;

export function isUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [error];
  for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
    if (!(e instanceof Error) || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || /^08/.test(code))) return true;
    if (GONE_MESSAGES.test(e.message)) return true;
    // drizzle wraps the driver's error in `cause`; a refused connection to a name with several addresses is an
    // AggregateError of one refusal per address.
    pending.push(e.cause);
    if (e instanceof AggregateError) pending.push(...e.errors);
  }
  return false;
}

/** The error a caller sees when the registry database cannot be reached (the log has the driver's error). */
export const databaseUnavailable = () =>
  unavailable('the registry database is unreachable; retry shortly');
