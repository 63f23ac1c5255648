// The service as `npm start` runs it (scripts/start.mjs): bundled by esbuild into one file,
// dist/service/main.js, rebuilt only when what it is built from has changed. Plain JavaScript, so that node runs
// it without a TypeScript loader in front of every start.
//
// One file rather than one JavaScript file per source file: node loads an ES module graph file by file
// (resolving each import, reading the file, compiling it), and loading the service's modules, its own and its
// packages', was about half of its start (profile of `node dist/main.js` on an existing data directory,
// 2026-11-27). It is rebuilt only when its inputs change, because bundling takes about half a second that
// every `npm start` would pay; the check runs in the service's own process (start.mjs), because a node process
// of its own cost 0.1 s of every start. A hash of the inputs (src/, the lock file, tsconfig.json and this
// script) is kept beside the bundle, so a bundle built from other sources is never run. It is built aside and
// then moved into place: an interrupted build leaves the old bundle or none, never half of one.
//
// Left out of the bundle, and loaded from node_modules as before:
// - @electric-sql/pglite loads its WebAssembly and data files from beside its own modules;
// - fs-ext is a native addon;
// - pino finds its transports' worker files by path;
// - @graphql-yoga/render-graphiql is 9 MB that only the first browser visit loads (src/graphql/playground.ts);
// - graphql and ioredis are CommonJS packages whose names our modules read on every request (graphql's Kind
//   and meta fields in the request limits' walk, ioredis's classes in the store's readiness). Bundled, each
//   such name is read through a getter (esbuild's CommonJS interop): 3.4 µs of a batch-1 request of about
//   165 in a profile (2026-11-27). Loaded by node, they are plain bindings, as before.
// A module that finds a repository file from its own location must sit two folders down, as the bundle does
// (src/core/repo-files.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'dist', 'service');
/** What `npm start` runs. */
export const BUNDLE = path.join(OUT, 'main.js');
/** Beside the bundle: the hash of the inputs it was built from. */
const STAMP = 'inputs.sha256';

const OPTIONS = {
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['@electric-sql/pglite', 'fs-ext', 'pino', '@graphql-yoga/render-graphiql', 'graphql', 'ioredis'],
  // The packages bundled as CommonJS call require() for node's own modules, which an ES module lacks.
  banner: { js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);' },
  // A map for stack traces in TypeScript terms (NODE_OPTIONS=--enable-source-maps); its sources stay in src/.
  sourcemap: 'linked',
  sourcesContent: false,
  absWorkingDir: ROOT,
  logLevel: 'warning',
};

/** Every file under `dir`, relative to the repository, in a fixed order. */
function filesUnder(dir) {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [...filesUnder('src'), 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs']) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The hash of the inputs the bundle in place was built from; undefined when there is none. */
function builtFrom() {
  try {
    return fs.existsSync(BUNDLE) ? fs.readFileSync(path.join(OUT, STAMP), 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the bundle unless the one in place was built from the inputs as they are now. */
export async function ensureBuilt() {
  const inputs = inputsHash();
  if (builtFrom() === inputs) return;
  const esbuild = await import('esbuild');
  const aside = path.join(ROOT, 'dist', `.service-building-${process.pid}`);
  try {
    await esbuild.build({ ...OPTIONS, outfile: path.join(aside, 'main.js') });
    // esbuild's own process would otherwise stay beside the service for as long as it runs.
    await esbuild.stop();
    fs.writeFileSync(path.join(aside, STAMP), inputs);
    // Two starts after the same edit both build; the second to finish keeps the first one's bundle, which the
    // first may be loading.
    if (builtFrom() === inputs) return;
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.renameSync(aside, OUT);
  } finally {
    fs.rmSync(aside, { recursive: true, force: true });
  }
}

// `node scripts/build.mjs`: the build alone (the bench and the tests); `npm start` builds through start.mjs.
if (process.argv[1] === fileURLToPath(import.meta.url)) await ensureBuilt();
