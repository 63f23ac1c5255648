// Executes operations with graphql-jit instead of graphql-js. graphql-js interprets the query for every
// field of every value; an online read of 100 keys × 10 features resolves thousands of fields, and that cost
// more than all the Redis work (../shared/PERFORMANCE-NOTES.md). graphql-jit compiles each distinct operation
// once into a plain function. Apollo Server accepts a custom executor only through its gateway interface, so
// this is a "gateway" that serves the local schema; Apollo still parses, validates and runs its plugins
// (the request limits among them) before calling it. An operation compiled here has passed all of that, so it
// goes into the operation cache the HTTP fast path serves repeats from, with the writer of its results' JSON
// (result-json.ts; graphql-jit's own serializer cannot describe the DateTime and JSON scalars).
import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, printSchema, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { OperationCache } from './operation-cache.js';
import { compileDataJson, markResult } from './result-json.js';

export function compiledGateway(schema: GraphQLSchema, operations: OperationCache): GatewayInterface {
  let announce: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;

  async function execute(requestContext: GatewayGraphQLRequestContext): Promise<ExecutionResult> {
    const { document, operation, request, operationName, context } = requestContext;
    // Keyed by the name the request gave (none, for a document of one operation), as the fast path looks it up;
    // `operationName` is the name of the operation Apollo chose.
    const query = request.query ?? requestContext.source;
    let cached = operations.get(query, request.operationName);
    if (!cached) {
      const compiled = compileQuery(schema, document, operationName ?? undefined);
      if (!isCompiledQuery(compiled)) return compiled;
      // No operation: the name the request gave matches none in the document (Apollo leaves saying so to the
      // executor). Such a request is never kept, so that the fast path only ever holds a chosen operation.
      if (!operation) return run(compiled, context, request.variables);
      cached = { document, operation, compiled, dataJson: compileDataJson(schema, document, operation) };
      operations.set(query, request.operationName, cached);
    }
    const result = await run(cached.compiled, context, request.variables);
    // Apollo writes the result with its operation's writer (server.ts, stringifyResult), as the fast path does.
    markResult(result.data, cached.dataJson);
    return result;
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

/** Runs a compiled operation, with its errors in the shape Apollo's pipeline expects. */
export async function run(compiled: CompiledQuery, context: unknown, variables: Record<string, unknown> | undefined): Promise<ExecutionResult> {
  const result = (await compiled.query(undefined, context, variables ?? {})) as ExecutionResult;
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
