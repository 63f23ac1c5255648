// Turns an Authorization header into a principal. Keys are looked up in the database and remembered for a
// few seconds, so a busy reader costs no database query per request; a revoked key stops working within
// that time on every instance.
import type { Db } from '../db/client.js';
import { principalForKey } from './keys.js';
import { ANONYMOUS, unauthenticated, type Principal } from './principal.js';

const REMEMBER_MS = 5_000;
const MAX_REMEMBERED = 10_000;

export class Authenticator {
  private readonly remembered = new Map<string, { principal: Principal | undefined; until: number }>();

  constructor(
    private readonly db: Db,
    readonly enabled: boolean,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw unauthenticated(
        'missing API key: send "Authorization: Bearer <key>"; an admin creates keys with `npm run keys -- create --team T --role R`',
      );
    }
    const key = match[1]!;
    const now = Date.now();
    let entry = this.remembered.get(key);
    if (!entry || entry.until < now) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      entry = { principal: await principalForKey(this.db, key), until: now + REMEMBER_MS };
      this.remembered.set(key, entry);
    }
    if (!entry.principal) throw unauthenticated('unknown or revoked API key');
    return entry.principal;
  }
}
