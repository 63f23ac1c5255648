// Executes operations with graphql-jit instead of graphql-js. graphql-js interprets the query for every
// field of every value; an online read of 100 keys × 10 features resolves thousands of fields, and that cost
// more than all the Redis work (../shared/PERFORMANCE-NOTES.md). graphql-jit compiles each distinct operation
// once into a plain function. Apollo Server accepts a custom executor only through its gateway interface, so
// this is a "gateway" that serves the local schema; Apollo still parses, validates and runs its plugins
// (the request limits among them) before calling it. An operation compiled here has passed all of that, so it
// goes into the operation cache the HTTP fast path serves repeats from, with the writer of its results' JSON
// (result-json.ts; graphql-jit's own serializer cannot describe the DateTime and JSON scalars).
import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  TypeInfo,
  getNamedType,
  isLeafType,
  printSchema,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery, type CompilerOptions } from 'graphql-jit';
import type { OperationCache } from './operation-cache.js';
import { visitOperation } from './operation-walk.js';
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
      const compiled = compileQuery(schema, document, operationName ?? undefined, operation ? compileOptions(schema, document, operation) : {});
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

/**
 * Types whose every leaf the online reader (online/reader.ts) builds in its GraphQL type's own JavaScript form:
 * a string for String and for an enum value's name, an integer for Int, a finite number for Float. graphql-jit
 * passes each such leaf through its type's serializer, with the value's path and location built for an error
 * that cannot happen; at 20 values a row, V8 did not always optimize those calls away, and the features of a
 * 100-row read of a user and a merchant allocated 680 KB a request where a single-entity read of the same
 * values allocated 280 (sampling heap profile, 2026-11-27). The JSON and DateTime scalars are serialized as
 * before, whatever the operation.
 */
const EXACT_LEAF_TYPES: ReadonlySet<string> = new Set(['OnlineFeaturesResult', 'OnlineRow', 'EntityKey', 'OnlineValue', 'FlagCount', 'ReadWarning']);

/**
 * How graphql-jit compiles `operation`: without serializing the leaves of String, Int, Float, Boolean, ID and
 * enum types when every leaf it selects (in its fragments too) is a field of EXACT_LEAF_TYPES, the online read's
 * answer; as graphql-js would, serializers and all, for anything else (a registry query's counts come from SQL).
 */
export function compileOptions(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Partial<CompilerOptions> {
  const typeInfo = new TypeInfo(schema);
  let exact = true;
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const field = typeInfo.getFieldDef();
      const parent = typeInfo.getParentType();
      if (node.name.value === '__typename' || !field || !isLeafType(getNamedType(field.type))) return undefined;
      if (!parent || !EXACT_LEAF_TYPES.has(parent.name)) exact = false;
      return undefined;
    },
  });
  visitOperation(document, operation, visitor);
  return { disableLeafSerialization: exact };
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
