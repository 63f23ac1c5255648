// Turns an Authorization header into a principal. Keys are looked up in the database and remembered for a
// few seconds, so a busy reader costs no database query per request; a revoked key stops working within
// that time on every instance. While the database is unreachable, a key seen before keeps its last verdict
// for up to AUTH_GRACE, so online reads (served by Redis) go on; a key never seen cannot be checked (503).
import type { Db } from '../db/client.js';
import { unauthenticated, unavailable } from '../core/errors.js';
import { lookUpKey, markKeyUsed, type KeyVerdict } from './keys.js';
import { ANONYMOUS, type Principal } from '../core/principal.js';

/** How long a verdict stands before the database is asked again (the most a revocation waits for). */
const REMEMBER_MS = 5_000;
/**
 * Keys remembered at most. A Map in check order is the whole cache: the longest unchecked key goes first, and an
 * entry outlives REMEMBER_MS (for AUTH_GRACE), which lru-cache's TTL would drop; not worth a dependency.
 */
const MAX_REMEMBERED = 10_000;
/** After a failed lookup, how long remembered verdicts are used without asking the database again. */
const RETRY_DATABASE_MS = 1_000;
/** A key's last use is written at most this often per instance: lastUsedAt is kept to the minute. */
const MARK_USED_EVERY_MS = 60_000;

export interface AuthenticatorOptions {
  /** How long after its last successful lookup a verdict still stands while the database is unreachable. */
  graceMs: number;
  now?: () => number;
}

interface Remembered {
  verdict: KeyVerdict | undefined;
  /** When the database last gave this verdict. */
  checkedAt: number;
}

export class Authenticator {
  private readonly remembered = new Map<string, Remembered>();
  private readonly lookups = new Map<string, Promise<Remembered>>();
  private readonly markedUsedAt = new Map<number, number>();
  private databaseFailedAt = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    readonly enabled: boolean,
    private readonly options: AuthenticatorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw unauthenticated(
        'missing API key: send "Authorization: Bearer <key>"; an admin creates keys with createApiKey or `npm run keys -- create --team T --role R --label L`',
      );
    }
    const { verdict } = await this.verdictFor(match[1]!);
    if (!verdict) throw unauthenticated('unknown or revoked API key');
    const now = this.now();
    if (verdict.expiresAt && verdict.expiresAt.getTime() <= now) {
      throw unauthenticated(`API key #${verdict.principal.keyId} expired at ${verdict.expiresAt.toISOString()}: ask for a new one`);
    }
    this.markUsed(verdict.principal.keyId!, now);
    return verdict.principal;
  }

  /** Drops what this instance remembers of key `id` (revoked here: refused from the next request on). */
  forget(id: number): void {
    for (const [key, entry] of this.remembered) {
      if (entry.verdict?.principal.keyId === id) this.remembered.delete(key);
    }
  }

  private async verdictFor(key: string): Promise<Remembered> {
    const now = this.now();
    const entry = this.remembered.get(key);
    if (entry && now - entry.checkedAt < REMEMBER_MS) return entry;
    const usable = entry && now - entry.checkedAt <= this.options.graceMs ? entry : undefined;
    // The database failed a moment ago: do not make every request wait for it to fail again.
    if (now - this.databaseFailedAt < RETRY_DATABASE_MS) return usable ?? unreachable();
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookUp(key).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    try {
      return await lookup;
    } catch {
      this.databaseFailedAt = this.now();
      return usable ?? unreachable();
    }
  }

  private async lookUp(key: string): Promise<Remembered> {
    const entry = { verdict: await lookUpKey(this.db, key), checkedAt: this.now() };
    // Re-inserted at the end, so the map's first entries are the longest unchecked: those go first when full.
    this.remembered.delete(key);
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, entry);
    return entry;
  }

  /** Records the key's use in the background, at most once a minute: never a database write per request. */
  private markUsed(id: number, now: number): void {
    if (now - (this.markedUsedAt.get(id) ?? -Infinity) < MARK_USED_EVERY_MS) return;
    if (this.markedUsedAt.size >= MAX_REMEMBERED) this.markedUsedAt.clear();
    this.markedUsedAt.set(id, now);
    markKeyUsed(this.db, id, new Date(now)).catch(() => this.markedUsedAt.delete(id));
  }
}

function unreachable(): never {
  throw unavailable('cannot check the API key: the registry database is unreachable; retry shortly');
}
