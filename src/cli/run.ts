// The shared ending of every command-line tool: a clear one-line message and exit code 1 on a user's mistake
// (a bad argument, a configuration or DATA_DIR it cannot start with).
import { CodedError, StartupError } from '../core/errors.js';

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof StartupError || error instanceof CodedError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  }
}
