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
import { depthRule } from './graphql/depth.js';
import { httpStatusPlugin } from './graphql/http-status.js';
import { limitsPlugin } from './graphql/limits.js';
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
  /** Resolves when the database answers and every migration is applied. */
  ready: () => Promise<boolean>;
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
    // Apollo turns introspection off when NODE_ENV=production, which leaves the playground without a schema.
    // The schema is public (schema.graphql), so it is on unless INTROSPECTION=off.
    introspection: config.introspection,
    // Every token becomes an AST node that each validation rule visits: refuse a huge document while lexing.
    parseOptions: { maxTokens: config.limits.maxQueryTokens },
    validationRules: [depthRule(config.limits.maxQueryDepth)],
    formatError: formatError(logger),
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Cache-control wraps every field resolver; on large responses that costs more than the data itself.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, config.limits, deps.services.registryCache),
      httpStatusPlugin(),
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
    const ready = await deps.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
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
    refuseLongQueries(config.limits.maxQueryBytes),
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
          // The same choice Apollo makes for the response's content type (application/json wins a tie).
          graphqlResponseJson: req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json',
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

/**
 * Refuses query text longer than MAX_QUERY_BYTES before Apollo parses it: parsing and validation take time in
 * proportion to the text, on the event loop every other request shares (a 9.7 MB query held it for 15 s).
 */
function refuseLongQueries(maxBytes: number): express.RequestHandler {
  return (req, res, next) => {
    const query: unknown = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    const bytes = typeof query === 'string' ? Buffer.byteLength(query) : 0;
    if (bytes <= maxBytes) return next();
    res.status(HTTP_STATUS.PAYLOAD_TOO_LARGE!).json({
      errors: [
        {
          message: `query text is ${bytes} bytes; at most ${maxBytes} are accepted (MAX_QUERY_BYTES): pass lists and rows as variables`,
          extensions: { code: 'PAYLOAD_TOO_LARGE', bytes, maxBytes },
        },
      ],
    });
  };
}

/** Errors from the context function become GraphQL errors with an HTTP status (401 for a missing key). */
function asHttpError(error: unknown): unknown {
  if (!(error instanceof CodedError)) return error;
  return new GraphQLError(error.message, {
    extensions: { code: error.code, http: { status: HTTP_STATUS[error.code] ?? 400 } },
  });
}
