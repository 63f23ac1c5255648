// One process per embedded data directory. PGlite is a single-process database and takes no lock of its own:
// two processes opening one directory corrupt it for good. The lock is an exclusive flock(2) on
// DATA_DIR/registry.lock, held by an open file for the life of the process. The kernel drops it when the
// process ends, however it ends, so a lock left by a crash never blocks a start; and it does not depend on
// process ids, which two containers sharing a volume both see as 1. The file's text (pid and host of the
// holder) only makes the refusal message useful: it is never trusted. The lock itself is fs-ext's flockSync;
// proper-lockfile was not used: its mkdir lock outlives a crash until it is judged stale by its mtime, so a
// restart after a crash would wait or steal, and a held lock must be refreshed by a timer.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StartupError } from '../core/errors.js';

const LOCK_FILE = 'registry.lock';

/** Takes the lock on `dataDir` (creating it), or throws a StartupError naming the holder; resolves to its release. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await fs.mkdir(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, LOCK_FILE);
  // Loaded here, not at the top: fs-ext is a native addon, and server mode (no DATA_DIR) does without it.
  const { flockSync } = await import('fs-ext');
  // 'a+' neither truncates nor replaces the file: the holder's text stays readable until the lock is ours.
  const file = await fs.open(lockFile, 'a+');
  try {
    flockSync(file.fd, 'exnb');
  } catch (error) {
    const holder = (await file.readFile('utf8').catch(() => '')).trim();
    await file.close();
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' && (error as NodeJS.ErrnoException).code !== 'EWOULDBLOCK') throw error;
    throw new StartupError(
      'CONFLICT',
      `DATA_DIR ${dataDir} is in use by ${holder ? `process ${holder}` : 'another process'} (a running service?): the embedded database allows one process at a time; stop it first`,
    );
  }
  await file.truncate(0);
  await file.write(`${process.pid} on ${os.hostname()}\n`, 0);
  // The file stays: removing it would let a third process lock a new file while a second still holds the old.
  return () => file.close();
}
