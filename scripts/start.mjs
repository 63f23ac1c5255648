// `npm start`: builds the service's bundle if the sources changed since it was built (build.mjs), then runs it
// in this process, with the node flags the start script gave (the young generation's size, src/gc-tuning.ts).
// A worker of server mode runs this file again (node:cluster forks argv[1]) and finds the bundle built.
import { pathToFileURL } from 'node:url';
import { BUNDLE, ensureBuilt } from './build.mjs';

await ensureBuilt();
await import(pathToFileURL(BUNDLE).href);
