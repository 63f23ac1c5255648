// The JSON of an execution result, written by a function compiled once per operation for the shape of its
// result, as graphql-jit compiles the execution itself. Two things make it worth having over JSON.stringify:
// - an online value is served as the JSON text it was stored as (a JsonText, src/online/values.ts), which
//   this writes as it is, where JSON.stringify would need the value parsed and then formatted again (for a
//   read of a thousand doubles, formatting them was most of writing the response);
// - the code knows every key and every kind of value in advance, so it writes a large answer faster than
//   JSON.stringify walks it (about 390 against 600 µs for 100 rows × 10 features, with the encoding).
// Both paths of /graphql write results with it (the fast path and Apollo's stringifyResult), so they answer
// alike. What it does not describe (a @skip or @include, whose fields depend on the variables; an abstract
// type; an operation too large) and any result with errors or extensions are left to JSON.stringify, which
// writes a JsonText as the value it stands for. test/result-json.test.ts holds its output to JSON.stringify's.
import {
  Kind,
  isEnumType,
  type GraphQLSchema,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { JsonText } from '../online/values.js';
import { DateTime } from './scalars.js';

/** Writes the `data` of a result of one operation. */
export type DataJson = (data: unknown) => string;

/**
 * Fields written per operation at most: the code grows with the selections, fragments spread out in place, and
 * stays in the operation cache (up to 1,000 operations). Clients' operations select tens of fields; a larger one
 * is written by JSON.stringify.
 */
export const MAX_WRITER_FIELDS = 2_000;

/** The body of a result as Apollo writes it (errors, data, extensions; one line); `dataJson` writes the data. */
export function resultJson(result: { errors?: unknown; data?: unknown; extensions?: unknown }, dataJson: DataJson | undefined): string {
  const { errors, data, extensions } = result;
  if (dataJson && errors === undefined && extensions === undefined && data !== null && data !== undefined) {
    return `{"data":${dataJson(data)}}\n`;
  }
  return `${JSON.stringify({ errors, data, extensions })}\n`;
}

/** The writer of each result still held, for Apollo's stringifyResult, which is handed only the result. */
const writers = new WeakMap<object, DataJson>();

/** Marks `data` as a result of an operation `dataJson` writes. */
export function markResult(data: unknown, dataJson: DataJson | undefined): void {
  if (dataJson && typeof data === 'object' && data !== null) writers.set(data, dataJson);
}

/** Apollo's stringifyResult: the writer of the operation when the result came from one (markResult). */
export function stringifyResult(result: { errors?: unknown; data?: unknown; extensions?: unknown }): string {
  const { data } = result;
  return resultJson(result, typeof data === 'object' && data !== null ? writers.get(data) : undefined);
}

/** A JSON string; a string of printable ASCII without quote or backslash is its own JSON between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A leaf (a scalar or enum value), as JSON.stringify writes it, except that a JsonText is its text. */
function leafJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value instanceof JsonText) return value.text;
  }
  return anyJson(value);
}

/** Anything else, as JSON.stringify writes it in an array (where nothing is left out). */
const anyJson = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** The writer of `operation`'s data, or undefined when its shape is not known before it runs. */
export function compileDataJson(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): DataJson | undefined {
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const code = new Codegen(fragments);
  const rootWriter = code.object(root, [operation.selectionSet]);
  if (!rootWriter) return undefined;
  // The code holds the writers' own names and GraphQL names as JSON literals: nothing a client wrote runs.
  const build = new Function('leafJson', 'anyJson', `${code.functions.join('\n')}\nreturn ${rootWriter};`);
  return build(leafJson, anyJson) as DataJson;
}

/** Generates one function per object and list position of the result. */
class Codegen {
  readonly functions: string[] = [];
  private fields = 0;

  constructor(private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  /** The name of the function that writes an object of `type` selected by `selectionSets` (merged, as executed). */
  object(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): string | undefined {
    const fields = new Map<string, FieldNode[]>();
    for (const selectionSet of selectionSets) if (!this.collect(type, selectionSet, fields, new Set())) return undefined;
    this.fields += fields.size;
    if (this.fields > MAX_WRITER_FIELDS) return undefined;
    const writes: string[] = [];
    for (const [responseName, nodes] of fields) {
      const fieldName = nodes[0]!.name.value;
      const fieldType = type.getFields()[fieldName]?.type;
      const write = fieldName === '__typename' ? 'leafJson(v)' : fieldType && this.value(fieldType, nodes, 'v');
      if (!write) return undefined;
      const key = JSON.stringify(responseName);
      // A field missing from the result (none is, without @skip or @include) is left out, as JSON.stringify does.
      writes.push(`v = o[${key}]; if (v !== undefined) s += (s.length === 1 ? ${JSON.stringify(`${key}:`)} : ${JSON.stringify(`,${key}:`)}) + ${write};`);
    }
    return this.define(`(o) {
  if (o === null || typeof o !== 'object') return anyJson(o);
  let s = '{', v;
  ${writes.join('\n  ')}
  return s + '}';
}`);
  }

  /** The expression that writes `value`, of `type`. */
  private value(type: GraphQLOutputType, nodes: readonly FieldNode[], value: string): string | undefined {
    if (isNonNullType(type)) return this.value(type.ofType, nodes, value);
    // An enum value is a GraphQL name, and a DateTime an RFC 3339 time (scalars.ts): printable ASCII without a
    // quote or backslash, its own JSON between quotes, so not checked as every other string is.
    if (isEnumType(type) || type.name === DateTime.name) return `(typeof ${value} === 'string' ? '"' + ${value} + '"' : leafJson(${value}))`;
    if (isLeafType(type)) return `leafJson(${value})`;
    if (isListType(type)) {
      const item = this.value(type.ofType, nodes, 'a[i]');
      if (!item) return undefined;
      const list = this.define(`(a) {
  if (!Array.isArray(a)) return anyJson(a);
  const n = a.length;
  if (n === 0) return '[]';
  let s = '[';
  for (let i = 0; i < n; i++) s += (i === 0 ? '' : ',') + ${item};
  return s + ']';
}`);
      return `${list}(${value})`;
    }
    // Interfaces and unions: which fields an object has depends on its type, known only at run time.
    if (!isObjectType(type)) return undefined;
    const object = this.object(
      type,
      nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    );
    return object && `${object}(${value})`;
  }

  private define(body: string): string {
    const name = `w${this.functions.length}`;
    this.functions.push(`function ${name}${body}`);
    return name;
  }

  /**
   * The fields of `selectionSet` on `type` by response name, in the order execution puts them in the result
   * (graphql-js's collectFields, which graphql-jit follows). False where that depends on the variables.
   */
  private collect(type: GraphQLObjectType, selectionSet: SelectionSetNode, fields: Map<string, FieldNode[]>, spread: Set<string>): boolean {
    for (const selection of selectionSet.selections) {
      if (selection.directives && selection.directives.length > 0) return false;
      if (selection.kind === Kind.FIELD) {
        const responseName = selection.alias?.value ?? selection.name.value;
        const nodes = fields.get(responseName);
        if (nodes) nodes.push(selection);
        else fields.set(responseName, [selection]);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition && selection.typeCondition.name.value !== type.name) return false;
        if (!this.collect(type, selection.selectionSet, fields, spread)) return false;
        continue;
      }
      const name = selection.name.value;
      if (spread.has(name)) continue;
      spread.add(name);
      const fragment = this.fragments.get(name);
      if (!fragment || (fragment.directives && fragment.directives.length > 0)) return false;
      if (fragment.typeCondition.name.value !== type.name) return false;
      if (!this.collect(type, fragment.selectionSet, fields, spread)) return false;
    }
    return true;
  }
}
