// Turns anything a resolver throws into what the client sees: coded errors keep their code and message; a
// database that cannot be reached is UNAVAILABLE; anything else is logged with its stack and reported as an
// internal error with no details.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { databaseUnavailable, isUnreachable } from '../db/unreachable.js';
import { CodedError } from '../core/errors.js';

/**
 * The HTTP status of a response that carries no data, by the code of its error; any other code is a client
 * mistake (400). PERSISTED_QUERY_NOT_FOUND is a step of the automatic-persisted-query protocol (the client
 * answers it by sending the query), which Apollo answers with 200.
 */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  PERSISTED_QUERY_NOT_FOUND: 200,
  PERSISTED_QUERY_NOT_SUPPORTED: 200,
  INTERNAL_SERVER_ERROR: 500,
  UNAVAILABLE: 503,
};

/** An error raised before execution (a request limit): it carries the HTTP status Apollo answers with. */
export function requestError(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code, http: { status: HTTP_STATUS[code] ?? 400 } } });
}

/** Apollo's request errors that come without a code, by message. */
const APOLLO_UNCODED: Readonly<Record<string, string>> = {
  'provided sha does not match query': 'PERSISTED_QUERY_HASH_MISMATCH',
  'Unsupported persisted query version': 'PERSISTED_QUERY_VERSION_UNSUPPORTED',
};

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const chain = wrapped(original);
    let coded = chain.find((e): e is CodedError => e instanceof CodedError);
    if (!coded && chain.some(isUnreachable)) {
      logger.warn({ err: original, path: formatted.path }, 'registry database unreachable');
      coded = databaseUnavailable();
    }
    if (coded) {
      return {
        message: coded.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: coded.code, ...coded.details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      // Apollo's and graphql-js's own errors (parse, validation, bad variables): they are about the request.
      const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const uncoded = error instanceof GraphQLError && !formatted.path ? APOLLO_UNCODED[error.message] : undefined;
    if (uncoded) return { message: formatted.message, extensions: { code: uncoded } };
    logger.error({ err: original, path: formatted.path }, 'internal error while executing a request');
    return {
      message: 'internal error: the service logged the details',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** `error` and the errors inside it: Apollo and graphql-js keep what a hook or resolver threw as originalError. */
function wrapped(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = error; e instanceof Error && !chain.includes(e); e = (e as { originalError?: unknown }).originalError ?? e.cause) chain.push(e);
  return chain;
}
