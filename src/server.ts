// HTTP: node:http, Express 5 and Apollo Server 5. /graphql (POST and GET, and the playground for browsers),
// /healthz and /readyz. Repeat queries take the fast path (http/fast-path.ts) on node:http; everything else
// goes through Express to Apollo. Everything here is transport; the domain is handed in ready-made.
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
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Authenticator } from './auth/authenticator.js';
import { hostRefusal } from './http/allowed-hosts.js';
import type { Config } from './config.js';
import { CodedError, unavailable } from './core/errors.js';
import { repoFile } from './core/repo-files.js';
import type { RequestContext, Services } from './graphql/context.js';
import { formatError, HTTP_STATUS } from './graphql/errors.js';
import { compiledGateway } from './graphql/executor.js';
import { depthRule } from './graphql/depth.js';
import { httpStatusPlugin } from './graphql/http-status.js';
import { limitsPlugin } from './graphql/limits.js';
import { OperationCache } from './graphql/operation-cache.js';
import { playgroundPage, wantsPlayground } from './graphql/playground.js';
import { resolvers } from './graphql/resolvers.js';
import { stringifyResult } from './graphql/result-json.js';
import { FastPath } from './http/fast-path.js';
import { readJsonBody, requestFailure } from './http/json-body.js';
import { requestContext } from './http/request-context.js';

export const schemaPath = repoFile('schema.graphql');

export interface ServerDeps {
  config: Config;
  logger: Logger;
  services: Services;
  authenticator: Authenticator;
  /** Prometheus metrics, served on /metrics. */
  metrics: MetricsRegistry;
  /** Names the backing stores that do not answer now (or lack migrations); empty when the instance can serve. */
  unavailable: () => Promise<string[]>;
  /** The address to listen on (see listenHost in app.ts). */
  host: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The address the server listens on, e.g. 127.0.0.1. */
  address: string;
  /** The metrics-only server on METRICS_PORT, when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, logger } = deps;
  const schema = makeExecutableSchema({ typeDefs: fs.readFileSync(schemaPath, 'utf8'), resolvers });
  const app = express();
  const operations = new OperationCache();
  const hostPolicy = { authEnabled: deps.authenticator.enabled, allowedHosts: config.allowedHosts };
  const fastPath = config.fastPath
    ? new FastPath({ ...deps, schema, operations, limits: config.limits, hostPolicy, formatError: formatError(logger) })
    : undefined;
  const httpServer = http.createServer(fastPath ? fastPath.listener(app) : app);

  const apollo = new ApolloServer<RequestContext>({
    gateway: compiledGateway(schema, operations),
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
    // Results are written by their operation's writer, as the fast path writes them (graphql/result-json.ts).
    stringifyResult,
    logger,
    // The process owns SIGTERM/SIGINT (src/main.ts): Apollo's own handler would re-raise the signal, and so
    // kill the process, before the service has stored its buffered figures and released its database.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      // Cache-control wraps every field resolver; on large responses that costs more than the data itself.
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, config.limits, deps.services.registryCache),
      httpStatusPlugin(),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  // A weak ETag costs a hash of every response body, and a GraphQL response is not revalidated by it.
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const down = await deps.unavailable();
    res.status(down.length === 0 ? 200 : 503).json(down.length === 0 ? { status: 'ready' } : { status: 'not ready', down });
  });
  // The probes above answer any Host: they carry no data and change nothing, and load balancers and
  // orchestrators address them by IP. Everything below needs an allowed Host (see allowed-hosts.ts).
  app.use((req, res, next) => {
    const refusal = hostRefusal(req.headers.host, hostPolicy);
    if (!refusal) return next();
    res.status(403).json({ errors: [{ message: refusal, extensions: { code: 'FORBIDDEN' } }] });
  });
  const serveMetrics = async (res: express.Response) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  };
  app.get('/metrics', async (req, res) => {
    // Any key will do: metrics name versions and counts, never values, but they are not for the whole network.
    const refused = await deps.authenticator.authenticate(req.headers.authorization).then(
      () => undefined,
      (error: unknown) => (error instanceof CodedError ? error : undefined) ?? unavailable('cannot check the API key'),
    );
    if (refused) {
      res.status(HTTP_STATUS[refused.code] ?? 401).json({ errors: [{ message: refused.message, extensions: { code: refused.code } }] });
      return;
    }
    await serveMetrics(res);
  });
  app.get('/graphql', async (req, res, next) => {
    if (!wantsPlayground(req.method, req.headers.accept, 'query' in req.query)) return next();
    const page = await playgroundPage();
    res.type('html');
    if (req.acceptsEncodings('gzip')) {
      res.set('Content-Encoding', 'gzip').send(page.gzipped);
    } else {
      res.send(page.html);
    }
  });
  app.use(
    '/graphql',
    readJsonBody,
    refuseLongQueries(config.limits.maxQueryBytes),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const principal = await deps.authenticator.authenticate(req.headers.authorization).catch((error: unknown) => {
          throw asHttpError(error);
        });
        // The same choice Apollo makes for the response's content type (application/json wins a tie).
        const graphqlResponseJson = req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json';
        return requestContext(deps.services, principal, graphqlResponseJson);
      },
    }),
  );
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const { status, body } = requestFailure(error);
    if (status >= 500) logger.error({ err: error }, 'request failed');
    res.status(status).json(body);
  });

  let metricsServer: http.Server | undefined;
  try {
    const { port, address } = await listen(httpServer, config.port, deps.host);
    let metricsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      // A scraper on a private network reads this port without a key: it serves /metrics and nothing else.
      const metricsApp = express().disable('x-powered-by');
      metricsApp.get('/metrics', (_req, res) => serveMetrics(res));
      metricsServer = http.createServer(metricsApp);
      metricsUrl = `${baseUrl(deps.host, (await listen(metricsServer, config.metricsPort, deps.host)).port)}/metrics`;
    }
    return {
      url: baseUrl(deps.host, port),
      port,
      address,
      metricsUrl,
      close: async () => {
        fastPath?.stop();
        await apollo.stop();
        if (metricsServer) await closeServer(metricsServer);
      },
    };
  } catch (error) {
    // One of the ports is taken: release the other before reporting it.
    await apollo.stop().catch(() => {});
    if (metricsServer?.listening) await closeServer(metricsServer);
    throw error;
  }
}

/** Stops listening and ends idle keep-alive connections (a scraper keeps one open between scrapes). */
async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

async function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server.address() as AddressInfo;
}

/** How to reach a server listening on `host` from this machine: over loopback when it listens on every interface. */
function baseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
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
