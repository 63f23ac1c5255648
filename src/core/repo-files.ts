// Where the repository's own files are at run time (schema.graphql, migrations/, the embedded database
// template under dist/), found from this module's location. It sits two folders below the repository in
// both forms the service runs in: src/core/ under tsx (tests, CLIs) and dist/service/ in the one-file bundle
// that `npm start` runs (scripts/build.mjs). A module elsewhere that looked up a path relative to itself would
// find it in one form and miss it in the other, since the bundle puts every module in one file.
import { fileURLToPath } from 'node:url';

const REPOSITORY = new URL('../../', import.meta.url);

/** The absolute path of `relative` (forward slashes) in the repository. */
export const repoFile = (relative: string): string => fileURLToPath(new URL(relative, REPOSITORY));
