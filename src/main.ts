// `npm start`: one service instance, configured from the environment.
import { startService } from './app.js';
import { ConfigError, loadConfig } from './config.js';

try {
  const service = await startService(loadConfig());
  const stop = () => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('the feature registry failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
}
