// `npm run keys -- create --team T --role R` prints a new API key as its last line (shown once, stored hashed).
// Also `npm run keys -- list` and `npm run keys -- revoke --id N`.
import { parseArgs } from 'node:util';
import { openDatabase } from '../app.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/keys.js';
import { ROLES } from '../auth/principal.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { badInput } from '../errors.js';
import { runCli } from './run.js';

const USAGE = `usage:
  npm run keys -- create --team TEAM --role ${ROLES.join('|')}
  npm run keys -- list
  npm run keys -- revoke --id ID`;

await runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { team: { type: 'string' }, role: { type: 'string' }, id: { type: 'string' } },
  });
  const command = positionals[0];
  if (!['create', 'list', 'revoke'].includes(command ?? '')) throw badInput(USAGE);

  const database = await openDatabase(loadConfig());
  try {
    await migrate(database);
    if (command === 'create') {
      if (!values.team || !values.role) throw badInput(USAGE);
      const { id, key } = await createApiKey(database.db, values.team, values.role);
      console.log(`created key #${id} for team ${values.team} with role ${values.role}; it is shown only once:`);
      console.log(key);
    } else if (command === 'list') {
      for (const k of await listApiKeys(database.db)) {
        console.log(`#${k.id}\t${k.team}\t${k.role}\tcreated ${k.createdAt.toISOString()}${k.revokedAt ? `\trevoked ${k.revokedAt.toISOString()}` : ''}`);
      }
    } else {
      const id = Number(values.id);
      if (!Number.isInteger(id)) throw badInput(USAGE);
      console.log((await revokeApiKey(database.db, id)) ? `revoked key #${id}` : `no active key #${id}`);
    }
  } finally {
    await database.close();
  }
});
