// Executes operations with graphql-jit instead of graphql-js. graphql-js interprets the query for every
// field of every value; an online read of 100 keys × 10 features resolves thousands of fields, and that cost
// more than all the Redis work (../shared/PERFORMANCE-NOTES.md). graphql-jit compiles each distinct operation
// once into a plain function. Apollo Server accepts a custom executor only through its gateway interface, so
// this is a "gateway" that serves the local schema; Apollo still parses, validates and runs its plugins
// (the request limits among them) before calling it. (graphql-jit's own JSON serializer is not used: it
// cannot describe the DateTime and JSON scalars.)
import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, printSchema, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Distinct operations kept compiled; clients send a handful, so this only bounds abuse. */
const MAX_COMPILED = 1_000;

export function compiledGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery>();
  let announce: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;

  async function execute(requestContext: GatewayGraphQLRequestContext): Promise<ExecutionResult> {
    const { document, request, operationName, context } = requestContext;
    const key = `${operationName ?? ''}\u0000${request.query ?? requestContext.source}`;
    let query = compiled.get(key);
    if (!query) {
      const compiledQuery = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(compiledQuery)) return compiledQuery;
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(key, (query = compiledQuery));
    }
    const result = (await query.query(undefined, context, request.variables ?? {})) as ExecutionResult;
    if (!result.errors) return result;
    // graphql-jit's errors lack `extensions` where graphql-js's have an empty object, which Apollo relies on.
    // With no data at all, the request never ran: its variables did not fit their types.
    const requestError = result.data === undefined;
    const errors = result.errors.map(
      (e) =>
        new GraphQLError(e.message, {
          path: e.path,
          originalError: e.originalError ?? undefined,
          extensions: requestError ? { ...e.extensions, code: 'BAD_USER_INPUT' } : (e.extensions ?? {}),
        }),
    );
    return { ...result, errors };
  }

  return {
    // Apollo learns the schema through this callback, which a gateway calls when it loads.
    onSchemaLoadOrUpdate: (callback) => {
      announce = callback;
      return () => (announce = undefined);
    },
    load: async () => {
      announce?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { schema, executor: execute };
    },
    stop: async () => {},
  };
}
