// Turns anything a resolver throws into what the client sees: coded errors keep their code and message;
// anything else is logged with its stack and reported as an internal error with no details.
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { CodedError } from '../errors.js';

/** HTTP status for errors raised before execution (the context function): the client needs to see it. */
export const HTTP_STATUS: Partial<Record<CodedError['code'], number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
};

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const coded = codedCause(original);
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
    logger.error({ err: original, path: formatted.path }, 'internal error while executing a request');
    return {
      message: 'internal error: the service logged the details',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** The coded error behind `error`, through the wrappers Apollo and graphql-js put around errors thrown in hooks. */
function codedCause(error: unknown): CodedError | undefined {
  for (let e = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError ?? e.cause) {
    if (e instanceof CodedError) return e;
  }
  return undefined;
}
