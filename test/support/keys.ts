// API keys for tests with auth on: one per name, made straight in the database before the service starts, as
// `npm run keys -- create` makes them.
import { createApiKey } from '../../src/auth/keys.js';
import type { Db } from '../../src/db/client.js';
import type { Role } from '../../src/core/principal.js';

/** Creates a key for each `name: [team, role]` and puts its secret under `name` in `into` (returned too). */
export async function createKeys<N extends string>(
  db: Db,
  grants: Record<N, readonly [team: string, role: Role]>,
  into: Record<string, string> = {},
): Promise<Record<N, string>> {
  for (const [name, [team, role]] of Object.entries(grants) as [N, readonly [string, Role]][]) {
    into[name] = (await createApiKey(db, team, role)).key;
  }
  return into as Record<N, string>;
}
