// Limits that keep one request from taking the service down: query depth (a validation rule), query cost and
// list-argument length (checked once the operation and its variables are known, before anything runs).
import type { ApolloServerPlugin } from '@apollo/server';
import { getNullableType, GraphQLError, isListType, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { CodedError } from '../errors.js';
import type { Config } from '../config.js';

/** How many items a list field is assumed to return when no argument says how many. */
const ASSUMED_LIST_SIZE = 10;

export const depthRule = (maxDepth: number) => depthLimit(maxDepth);

/**
 * Cost: each field costs 1 plus its children, and a list field multiplies its children's cost by the length of
 * its longest list argument (e.g. entityKeys), or by an assumed size. The same walk refuses any list argument
 * longer than the limit, so the error names the argument instead of a cost.
 */
function estimator(maxListLength: number): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    let longest = 0;
    for (const [name, value] of Object.entries(args)) {
      if (!Array.isArray(value)) continue;
      if (value.length > maxListLength) {
        throw new CodedError(
          'BAD_USER_INPUT',
          `argument ${name} of ${field.name} has ${value.length} items; at most ${maxListLength} are allowed per request: split it into several requests`,
        );
      }
      longest = Math.max(longest, value.length);
    }
    const size = isListType(getNullableType(field.type)) ? longest || ASSUMED_LIST_SIZE : 1;
    return 1 + childComplexity * size;
  };
}

export function limitsPlugin(schema: GraphQLSchema, limits: Config['limits']): ApolloServerPlugin {
  const estimators = [estimator(limits.maxListLength)];
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let cost: number;
          try {
            cost = getComplexity({ schema, query: document, variables: request.variables ?? {}, estimators });
          } catch (error) {
            // Variables that do not fit their types: execution reports that with its own clear error.
            if (error instanceof GraphQLError && !(error.originalError instanceof CodedError)) return;
            throw error;
          }
          if (cost > limits.maxQueryCost) {
            throw new GraphQLError(
              `query cost ${cost} exceeds the limit of ${limits.maxQueryCost}: select fewer fields or fewer items per request`,
              { extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: limits.maxQueryCost } },
            );
          }
        },
      };
    },
  };
}
