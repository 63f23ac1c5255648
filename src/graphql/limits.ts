// Limits that keep one request from taking the service down: query depth (a validation rule), query cost and
// list-argument length (checked once the operation and its variables are known, before anything runs).
import type { ApolloServerPlugin } from '@apollo/server';
import { getNullableType, GraphQLError, isListType, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { CodedError } from '../errors.js';
import type { Config } from '../config.js';

/** How many items a list field is assumed to return when nothing in the request says how many. */
const ASSUMED_LIST_SIZE = 10;

/** Lists whose size is known otherwise: rows come one per entity key, already counted by `entityKeys`. */
const KNOWN_LIST_SIZES: Record<string, number> = {
  'OnlineFeaturesResult.rows': 1,
};

/** Arguments whose length sets the size of the result below them. */
const SIZING_ARGUMENTS = ['entityKeys'];

export const depthRule = (maxDepth: number) => depthLimit(maxDepth);

/**
 * Cost: each field costs 1 plus its children. A field with `entityKeys` multiplies its children's cost by
 * their number; another list field multiplies it by its known or assumed size. The same walk refuses any list
 * argument longer than its limit (`rows` of a write: maxWriteBatch; any other: maxListLength), so the error
 * names the argument instead of a cost.
 */
function estimator(limits: Config['limits']): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    for (const [name, value] of Object.entries(args)) {
      const limit = name === 'rows' ? limits.maxWriteBatch : limits.maxListLength;
      if (Array.isArray(value) && value.length > limit) {
        throw new CodedError(
          'BAD_USER_INPUT',
          `argument ${name} of ${field.name} has ${value.length} items; at most ${limit} are allowed per request: split it into several requests`,
        );
      }
    }
    const sizing = SIZING_ARGUMENTS.map((name) => args[name]).find(Array.isArray);
    const size = sizing
      ? sizing.length
      : isListType(getNullableType(field.type))
        ? (KNOWN_LIST_SIZES[`${type.name}.${field.name}`] ?? ASSUMED_LIST_SIZE)
        : 1;
    return 1 + childComplexity * size;
  };
}

/** Distinct operation shapes whose cost is remembered; only bounds abuse. */
const MAX_REMEMBERED_COSTS = 1_000;

/**
 * The cost of an operation depends on its text and on the lengths of its list variables, nothing else (list
 * arguments passed inside input objects are JSON values, not counted). Computing it coerces every variable, a
 * 1,000-row write included, so it is remembered per shape: the text and those lengths.
 */
function shapeOf(query: string, variables: Record<string, unknown>): string {
  const lengths = Object.entries(variables)
    .filter(([, value]) => Array.isArray(value))
    .map(([name, value]) => `${name}=${(value as unknown[]).length}`);
  return `${lengths.join(',')}\u0000${query}`;
}

export function limitsPlugin(schema: GraphQLSchema, limits: Config['limits']): ApolloServerPlugin {
  const estimators = [estimator(limits)];
  const costs = new Map<string, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, source }) {
          const variables = request.variables ?? {};
          const shape = shapeOf(`${request.operationName ?? ''}\u0000${source}`, variables);
          let cost = costs.get(shape);
          if (cost === undefined) {
            try {
              cost = getComplexity({ schema, query: document, variables, estimators, operationName: request.operationName ?? undefined });
            } catch (error) {
              // Variables that do not fit their types: execution reports that with its own clear error.
              if (error instanceof GraphQLError && !(error.originalError instanceof CodedError)) return;
              throw error;
            }
            if (costs.size >= MAX_REMEMBERED_COSTS) costs.clear();
            costs.set(shape, cost);
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
