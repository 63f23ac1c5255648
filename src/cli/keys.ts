// `npm run keys -- create --team T --role R [--label L] [--expires 90d|2027-01-01T00:00:00Z]` prints a new API
// key as its last line (shown once, stored hashed). Also `npm run keys -- list` and `npm run keys -- revoke --id N`.
// The tool works on the database directly, as an admin: it is how the first key of a deployment is made.
import { parseArgs } from 'node:util';
import { DateTimeResolver } from 'graphql-scalars';
import { openDatabase } from '../db/open.js';
import { ApiKeys, COMMAND_LINE, type ApiKeyRecord } from '../auth/keys.js';
import { ROLES } from '../core/principal.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { badInput } from '../core/errors.js';
import { parseDuration } from '../core/durations.js';
import { runCli } from './run.js';

const USAGE = `usage:
  npm run keys -- create --team TEAM --role ${ROLES.join('|')} [--label "what it is for"] [--expires 90d|2027-01-01T00:00:00Z]
  npm run keys -- list
  npm run keys -- revoke --id ID`;

await runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      team: { type: 'string' },
      role: { type: 'string' },
      id: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!['create', 'list', 'revoke'].includes(command ?? '')) throw badInput(USAGE);
  const expiresAt = values.expires === undefined ? undefined : expiryTime(values.expires);

  const database = await openDatabase(loadConfig());
  try {
    await migrate(database);
    const keys = new ApiKeys(database.db);
    if (command === 'create') {
      if (!values.team || !values.role) throw badInput(USAGE);
      const { key, secret } = await keys.create(COMMAND_LINE, { team: values.team, role: values.role, label: values.label, expiresAt });
      console.log(`created key #${key.id} for team ${key.team} with role ${key.role}${key.expiresAt ? `, expiring ${key.expiresAt.toISOString()}` : ''}; it is shown only once:`);
      console.log(secret);
    } else if (command === 'list') {
      for (const key of (await keys.list(COMMAND_LINE)).reverse()) console.log(describe(key));
    } else {
      if (!values.id) throw badInput(USAGE);
      console.log(`revoked: ${describe(await keys.revoke(COMMAND_LINE, values.id))}`);
    }
  } finally {
    await database.close();
  }
});

/** --expires: an RFC 3339 time, or a duration from now such as 90d. */
function expiryTime(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text.trim())) return new Date(Date.now() + parseDuration(text, '--expires'));
  try {
    return DateTimeResolver.parseValue(text.trim()) as Date;
  } catch {
    throw badInput(`--expires ${JSON.stringify(text)} is neither an RFC 3339 time (2027-01-01T00:00:00Z) nor a duration (90d, 12h)`);
  }
}

function describe(key: ApiKeyRecord): string {
  const iso = (d: Date | null) => d?.toISOString() ?? '-';
  return [
    `#${key.id}`,
    key.team,
    key.role,
    JSON.stringify(key.label ?? ''),
    `created ${iso(key.createdAt)}`,
    `expires ${iso(key.expiresAt)}`,
    `last used ${iso(key.lastUsedAt)}`,
    key.revokedAt ? `revoked ${iso(key.revokedAt)}` : 'active',
  ].join('\t');
}
