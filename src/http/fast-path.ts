// The fast path of /graphql: a repeat of a query Apollo has already parsed, validated, priced and compiled
// (graphql/operation-cache.ts) is served on node:http directly, paying only for what changes per request:
// the body, the host check, the caller's key (its verdict is cached by the Authenticator), the request limits
// on its variables, the compiled query and the response. Everything else, and anything this path is not sure
// of, goes on to Express and Apollo untouched (Apollo's executeHTTPGraphQLRequest stays the engine): a first
// request, a mutation, a refused key, a limit broken, variables that do not fit their types, an unusual Accept
// header, a GET with a content type, a batch, persisted queries. Those checks run before anything executes,
// so a request Apollo ends up serving has had no effect here. FAST_PATH=off turns this path off; the
// differential test (test/fast-path.test.ts) holds both to the same status, headers and bytes.
import type http from 'node:http';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { Authenticator } from '../auth/authenticator.js';
import { hostRefusal, type HostPolicy } from './allowed-hosts.js';
import { checkRequestLimits, type RequestLimits } from '../graphql/limits.js';
import type { Principal } from '../core/principal.js';
import type { Services } from '../graphql/context.js';
import { run } from '../graphql/executor.js';
import type { CachedOperation, OperationCache } from '../graphql/operation-cache.js';
import { jsonBodyOf, requestFailure } from './json-body.js';
import { requestContext } from './request-context.js';
import { responseBody } from './response-body.js';

export interface FastPathDeps {
  schema: GraphQLSchema;
  operations: OperationCache;
  limits: RequestLimits;
  services: Services;
  authenticator: Authenticator;
  hostPolicy: HostPolicy;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  logger: Logger;
  metrics: MetricsRegistry;
}

/** One GraphQL request as the client sent it (POST body or GET parameters). */
interface GraphQLRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

interface ResponseMedia {
  contentType: string;
  graphqlResponseJson: boolean;
}

const JSON_MEDIA: ResponseMedia = { contentType: 'application/json; charset=utf-8', graphqlResponseJson: false };

/** The response media types Apollo would choose, for the Accept headers whose choice is plain (and common). */
const RESPONSE_MEDIA = new Map<string, ResponseMedia>([
  ['', JSON_MEDIA],
  ['*/*', JSON_MEDIA],
  ['application/json', JSON_MEDIA],
  ['application/graphql-response+json', { contentType: 'application/graphql-response+json; charset=utf-8', graphqlResponseJson: true }],
]);

/** The request fields of GraphQL over HTTP; a GET passes them as parameters. */
const REQUEST_FIELDS = ['query', 'operationName', 'variables', 'extensions'] as const;

export class FastPath {
  private stopping = false;
  /** How many requests this path answered (the rest went to Apollo): what tells that it works. */
  private readonly served: Counter;

  constructor(private readonly deps: FastPathDeps) {
    this.served = new Counter({
      name: 'feature_registry_graphql_fast_path_total',
      help: 'GraphQL requests answered by the fast path for repeat queries (the others went through Apollo)',
      registers: [deps.metrics],
    });
  }

  /** Node's request listener: the fast path, or else `fallback` (the Express app, with Apollo behind it). */
  listener(fallback: http.RequestListener): http.RequestListener {
    return (req, res) => {
      this.serve(req, res).then(
        (served) => {
          if (!served) fallback(req, res);
        },
        (error: unknown) => this.fail(res, error),
      );
    };
  }

  /** From now on every request goes to Apollo, which answers as it does while it stops. */
  stop(): void {
    this.stopping = true;
  }

  /** True when the request was answered here; false when it is Apollo's (nothing of it has run). */
  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    if (this.stopping || hostRefusal(req.headers.host, this.deps.hostPolicy)) return false;
    const media = RESPONSE_MEDIA.get(req.headers.accept ?? '');
    if (!media) return false;
    const request = await this.graphqlRequest(req, res);
    const cached = request && this.deps.operations.get(request.query, request.operationName);
    if (!request || !cached || cached.operation.operation !== 'query') return false;
    const principal = await this.deps.authenticator.authenticate(req.headers.authorization).catch(() => undefined);
    if (!principal || !(await this.withinLimits(cached, request.variables))) return false;
    return this.execute(res, cached, request, principal, media);
  }

  private async execute(
    res: http.ServerResponse,
    cached: CachedOperation,
    request: GraphQLRequest,
    principal: Principal,
    media: ResponseMedia,
  ): Promise<boolean> {
    const context = requestContext(this.deps.services, principal, media.graphqlResponseJson);
    const result = await run(cached.compiled, context, request.variables);
    // No data at all: the variables did not fit their types and nothing ran; Apollo says what was wrong.
    if (result.data === undefined) return false;
    const { status, body } = responseBody(result, this.deps.formatError, media.graphqlResponseJson, cached.dataJson);
    // Encoded once, and copied rather than encoded when it is ASCII, as nearly every answer is: then its UTF-8
    // is its Latin-1, which V8 copies. Its UTF-8 length equals its length only then, and V8 counts that length
    // about 4 times faster than it encodes (107 KB, a batch-100 answer: 21 + 19 µs against 91 µs).
    const bytes = Buffer.byteLength(body) === body.length ? Buffer.from(body, 'latin1') : Buffer.from(body);
    res.writeHead(status, { 'content-type': media.contentType, 'content-length': bytes.length });
    res.end(bytes);
    this.served.inc();
    return true;
  }

  private async withinLimits(cached: CachedOperation, variables: Record<string, unknown> | undefined): Promise<boolean> {
    const { schema, limits, services } = this.deps;
    return checkRequestLimits(schema, limits, services.registryCache, cached.document, cached.operation, variables ?? {}).then(
      () => true,
      () => false,
    );
  }

  /** The request's operation, when it is a plain single one on /graphql (no batch, no persisted query). */
  private async graphqlRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<GraphQLRequest | undefined> {
    const url = req.url ?? '';
    const queryStart = url.indexOf('?');
    if ((queryStart < 0 ? url : url.slice(0, queryStart)) !== '/graphql') return undefined;
    if (req.method === 'POST') {
      const read = await jsonBodyOf(req, res);
      return read && isRecord(read.body) ? fields(read.body) : undefined;
    }
    // A GET with a content type is Apollo's to refuse or accept.
    if (req.method !== 'GET' || queryStart < 0 || req.headers['content-type'] !== undefined) return undefined;
    const params = new URLSearchParams(url.slice(queryStart + 1));
    const sent: Record<string, unknown> = {};
    for (const name of REQUEST_FIELDS) {
      const values = params.getAll(name);
      // Given twice is Apollo's to refuse.
      if (values.length > 1) return undefined;
      sent[name] = values[0];
    }
    if (typeof sent.variables === 'string') {
      try {
        sent.variables = JSON.parse(sent.variables);
      } catch {
        return undefined;
      }
    }
    return fields(sent);
  }

  /** Answers a request that failed after it started to run here: it cannot be handed to Apollo any more. */
  private fail(res: http.ServerResponse, error: unknown): void {
    this.deps.logger.error({ err: error }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { status, body: failure } = requestFailure(error, 500);
    const body = JSON.stringify(failure);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** The operation of a request's fields, when every one of them has the plain form. */
function fields(sent: Record<string, unknown>): GraphQLRequest | undefined {
  const { query, operationName, variables, extensions } = sent;
  if (typeof query !== 'string' || (extensions !== undefined && extensions !== null)) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
