// `npm run prepare`, which `npm ci` runs: makes the empty embedded database that a fresh DATA_DIR starts from
// (see src/db/pglite-template.ts). Once per PGlite version: a later run finds it made.
import { buildTemplate } from '../db/pglite-template.js';

const started = performance.now();
const template = await buildTemplate();
console.log(`embedded database template: ${template} (${Math.round(performance.now() - started)} ms)`);
