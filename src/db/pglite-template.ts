// A fresh embedded database starts as a copy of an empty PGlite data directory made once, at install time
// (`npm ci` runs `prepare`), instead of running initdb: initdb compiles and runs a second WASM Postgres, which
// took ~8 of the ~11 s of a first start and left ~450 MB of WASM memory behind for the life of the process.
// The copy is what initdb would write (the same PGlite version made it: the template is kept per version), so
// the database is the same either way; without a template for the installed version, PGlite runs initdb as before.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { repoFile } from '../core/repo-files.js';

/** Beside the compiled service (dist/ is not committed), one directory per PGlite version. */
const TEMPLATES = repoFile('dist/pglite-template');

/** Postgres writes this file last in initdb, and PGlite reads it to tell an existing database from an empty directory. */
const VERSION_FILE = 'PG_VERSION';

async function pgliteVersion(): Promise<string> {
  // The package exports no package.json: read it beside its entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(await fs.readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function templateDir(): Promise<string> {
  return path.join(TEMPLATES, await pgliteVersion());
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/**
 * Fills `dataDir` from the template when it holds no database yet and a template exists for this PGlite.
 * PG_VERSION is copied last, so a copy cut short is taken for an empty directory, and redone, next time.
 */
export async function seedFromTemplate(dataDir: string): Promise<boolean> {
  if (await exists(path.join(dataDir, VERSION_FILE))) return false;
  const template = await templateDir();
  if (!(await exists(path.join(template, VERSION_FILE)))) return false;
  const versionFile = path.join(template, VERSION_FILE);
  await fs.cp(template, dataDir, { recursive: true, filter: (source) => source !== versionFile });
  await fs.copyFile(versionFile, path.join(dataDir, VERSION_FILE));
  return true;
}

/** Makes the template for the installed PGlite, unless it exists. Built aside and renamed, so it is whole or absent. */
export async function buildTemplate(): Promise<string> {
  const template = await templateDir();
  if (await exists(path.join(template, VERSION_FILE))) return template;
  await fs.mkdir(TEMPLATES, { recursive: true });
  const building = await fs.mkdtemp(path.join(TEMPLATES, `.building-${os.hostname()}-`));
  try {
    const database = await PGlite.create(building);
    await database.close();
    await fs.rename(building, template);
  } catch (error) {
    await fs.rm(building, { recursive: true, force: true });
    // Another build (a second install at the same time) finished first: its template is as good.
    if (!(await exists(path.join(template, VERSION_FILE)))) throw error;
  }
  return template;
}
