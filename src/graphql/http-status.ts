// The HTTP status of a GraphQL response, so that clients and proxies can tell a mistake (do not retry) from an
// outage (retry later) from a bug. GraphQL over HTTP (application/graphql-response+json) asks for 4xx/5xx when a
// response has no data, and 2xx whenever it has data, even partial: a client that asked for that media type
// gets exactly that. Clients of application/json (the legacy media type, which the spec would keep at 200 for
// every well-formed request) get the same statuses, and also when no root field produced anything (each is
// null with its error, e.g. a forbidden mutation): then nothing happened, and the status says why.
//
// With data:null (a non-null root field failed) the spec recommends 200; this service answers with the
// error's status instead, so an outage is a 503 that HTTP-level retry policies and load balancers see.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { HTTP_STATUS } from './errors.js';

/** What the plugin needs from the request context: the media type the response is sent as. */
export interface ResponseMedia {
  /** True when the client prefers application/graphql-response+json (Apollo then answers in it). */
  graphqlResponseJson: boolean;
}

export function httpStatusPlugin(): ApolloServerPlugin<Partial<ResponseMedia>> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          response.http.status = responseStatus(response.http.status, data, errors, contextValue?.graphqlResponseJson === true);
        },
      };
    },
  };
}

/**
 * The status of a response with `data` and `errors`, given the one chosen so far (undefined: none yet). A 4xx
 * that Apollo or the service already chose (405 for a mutation over GET, 401 from authentication) is kept.
 */
export function responseStatus(
  chosen: number | undefined,
  data: Record<string, unknown> | null | undefined,
  errors: readonly GraphQLFormattedError[] | undefined,
  graphqlResponseJson: boolean,
): number | undefined {
  if (!errors?.length) return chosen;
  const nothingDone = !data || (!graphqlResponseJson && everyRootFieldFailed(data, errors));
  if (!nothingDone) return chosen;
  if (chosen !== undefined && chosen !== 200 && chosen < 500) return chosen;
  return statusOf(errors);
}

/** Every root field is null and has its own error: the request produced nothing. */
function everyRootFieldFailed(data: Record<string, unknown>, errors: readonly GraphQLFormattedError[]): boolean {
  const failed = new Set(errors.filter((e) => e.path?.length === 1).map((e) => e.path![0]));
  return Object.entries(data).every(([name, value]) => value === null && failed.has(name));
}

/** 500 when any error is a bug, else 503 when any is an outage, else the first error's (400 for a mistake). */
function statusOf(errors: readonly GraphQLFormattedError[]): number {
  const statuses = errors.map((e) => HTTP_STATUS[String(e.extensions?.code)] ?? 400);
  if (statuses.includes(500)) return 500;
  if (statuses.includes(503)) return 503;
  return statuses[0]!;
}
