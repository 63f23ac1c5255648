// Opening the registry database a deployment names, for the service and the command-line tools alike: the
// tools (migrate, keys) need the database and nothing of the server.
import { connectPostgres, openPglite, type Database } from './client.js';

/** Where the registry database is: PostgreSQL with a URL (server mode), else PGlite under a directory. */
export interface DatabaseLocation {
  /** Server mode: PostgreSQL. Absent → embedded mode. */
  databaseUrl?: string;
  /** Embedded mode keeps its PGlite database here (locked: one process at a time). */
  dataDir: string;
}

/** Opens the database the location names: PostgreSQL with DATABASE_URL, else PGlite under DATA_DIR. */
export function openDatabase(location: DatabaseLocation): Promise<Database> {
  return location.databaseUrl ? connectPostgres(location.databaseUrl) : openPglite(location.dataDir);
}
