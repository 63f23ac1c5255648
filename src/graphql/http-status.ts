// The HTTP status of a GraphQL response, so that clients and proxies can tell a mistake (do not retry) from an
// outage (retry elsewhere, later) from a bug. Following GraphQL over HTTP (application/graphql-response+json):
// a response with data, even partial, is 200 with its errors; a response without data is 4xx/5xx by its error.
// Responses in application/json get the same statuses: the spec would keep them 200 for legacy clients, but a
// 200 hides a refused or failed request from every HTTP-level retry policy, which is what went wrong before.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { HTTP_STATUS } from './errors.js';

/**
 * Without data: 500 when any error is a bug, else 503 when any is an outage, else the status of the first
 * error's code (400 for a client mistake). A 4xx that Apollo or the service already chose (405 for a mutation
 * over GET, 401 from authentication) is kept.
 */
export function httpStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data || !errors?.length) return;
          const chosen = response.http.status;
          if (chosen !== undefined && chosen !== 200 && chosen < 500) return;
          response.http.status = statusOf(errors);
        },
      };
    },
  };
}

function statusOf(errors: readonly GraphQLFormattedError[]): number {
  const statuses = errors.map((e) => HTTP_STATUS[String(e.extensions?.code)] ?? 400);
  if (statuses.includes(500)) return 500;
  if (statuses.includes(503)) return 503;
  return statuses[0]!;
}
