// `npm run migrate`: applies the migrations to the configured database (DATABASE_URL, else PGlite in DATA_DIR).
import { openDatabase } from '../db/open.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { runCli } from './run.js';

await runCli(async () => {
  const database = await openDatabase(loadConfig());
  try {
    await migrate(database);
    console.log(`migrations applied (${database.kind})`);
  } finally {
    await database.close();
  }
});
