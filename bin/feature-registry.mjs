#!/usr/bin/env node
// The `feature-registry` command (package.json "bin"): runs the TypeScript CLI through tsx, as the npm scripts do.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/registry.ts');
