// What a result was measured on and from: the date, the git revision and the machine. Both go into the
// results file's name and its contents, so that results of different days, commits and machines can sit side
// by side in bench/results/ (which git ignores: the README's table is the record).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './children.js';

export interface Machine {
  /** Logical cores the process may use. */
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
}

export interface Revision {
  /** Short commit hash, or 'unknown' outside a git checkout. */
  commit: string;
  /** Uncommitted changes to tracked files: the figures are not the commit's alone. */
  dirty: boolean;
}

export function machine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function revision(): Revision {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', '--short=12', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** bench/results/2026-11-26T15-20-03Z_<commit>[-dirty]_<n>cores-<m>GB_node<v>.json */
export function resultsFileName(resultsDir: string, date: Date, rev: Revision, m: Machine): string {
  const stamp = date.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
  const memoryGb = Math.round(m.memoryBytes / 1024 ** 3);
  return path.join(resultsDir, `${stamp}_${rev.commit}${rev.dirty ? '-dirty' : ''}_${m.cores}cores-${memoryGb}GB_node${m.node.replace(/^v/, '')}.json`);
}
