// HTTP: Express 5 and Apollo Server 5. /graphql (POST and GET, and the playground for browsers),
// /healthz and /readyz. Everything here is transport; the domain is handed in ready-made.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import type { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { CodedError } from './errors.js';
import type { RequestContext, Services } from './graphql/context.js';
import { formatError, HTTP_STATUS } from './graphql/errors.js';
import { compiledGateway } from './graphql/executor.js';
import { depthRule, limitsPlugin } from './graphql/limits.js';
import { createRegistryLoaders, type RegistryLoaders } from './graphql/loaders.js';
import { playgroundPage, wantsPlayground } from './graphql/playground.js';
import { resolvers } from './graphql/resolvers.js';

export const schemaPath = new URL('../schema.graphql', import.meta.url);

/** Largest request body accepted: big enough for a 10,000-row write batch, small enough to refuse abuse. */
const MAX_BODY = '16mb';

export interface ServerDeps {
  config: Config;
  logger: Logger;
  services: Services;
  authenticator: Authenticator;
  /** Prometheus metrics, served on /metrics. */
  metrics: PromRegistry;
  /** Names the backing stores that do not answer now (or lack migrations); empty when the instance can serve. */
  unavailable: () => Promise<string[]>;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, logger } = deps;
  const schema = makeExecutableSchema({ typeDefs: fs.readFileSync(schemaPath, 'utf8'), resolvers });
  const app = express();
  const httpServer = http.createServer(app);

  const apollo = new ApolloServer<RequestContext>({
    gateway: compiledGateway(schema),
    // Clients authenticate with a bearer header, which a browser never attaches by itself, so there is no
    // ambient credential for a cross-site request to abuse: GraphQL-over-HTTP GET stays usable from curl.
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    validationRules: [depthRule(config.limits.maxQueryDepth)],
    formatError: formatError(logger),
    logger,
    // The process owns SIGTERM/SIGINT (src/main.ts): Apollo's own handler would re-raise the signal, and so
    // kill the process, before the service has stored its buffered figures and released its database.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      // Cache-control wraps every field resolver; on large responses that costs more than the data itself.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, config.limits),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  app.get('/readyz', async (_req, res) => {
    const down = await deps.unavailable();
    res.status(down.length === 0 ? 200 : 503).json(down.length === 0 ? { status: 'ready' } : { status: 'not ready', down });
  });
  app.get('/graphql', (req, res, next) => {
    if (!wantsPlayground(req.method, req.headers.accept, 'query' in req.query)) return next();
    const page = playgroundPage();
    res.type('html');
    if (req.acceptsEncodings('gzip')) {
      res.set('Content-Encoding', 'gzip').send(page.gzipped);
    } else {
      res.send(page.html);
    }
  });
  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const principal = await deps.authenticator.authenticate(req.headers.authorization).catch((error: unknown) => {
          throw asHttpError(error);
        });
        const { services } = deps;
        let loaders: RegistryLoaders | undefined;
        return {
          ...services,
          principal,
          // Built on first use: an online read, the busiest request, never needs them.
          get loaders() {
            return (loaders ??= createRegistryLoaders(services.registry));
          },
          values: services.reader.createLoader(),
        };
      },
    }),
  );
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (error as { status?: number }).status ?? 500;
    if (status >= 500) logger.error({ err: error }, 'request failed');
    res.status(status).json({
      errors: [
        {
          message: status === 413 ? `request body larger than ${MAX_BODY}` : status < 500 ? String((error as Error).message) : 'internal error',
          extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () => apollo.stop(),
  };
}

/** Errors from the context function become GraphQL errors with an HTTP status (401 for a missing key). */
function asHttpError(error: unknown): unknown {
  if (!(error instanceof CodedError)) return error;
  return new GraphQLError(error.message, {
    extensions: { code: error.code, http: { status: HTTP_STATUS[error.code] ?? 400 } },
  });
}
