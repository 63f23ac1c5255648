// The length of every list a request passes, checked before anything runs (limits.ts runs it, with the price).
//
// Where the lists sit is a property of the operation: which arguments (of fields and directives, in fragments
// too) and which variable definitions, with the input type each is coerced to and the name it is refused
// under. That takes a TypeInfo walk over the whole document, so it is found once per operation and kept in
// a WeakMap keyed by the operation's node (Apollo's document cache and the fast path's operation cache hand
// back the same node for a repeat); a repeat request then only walks its variables' values at those sites.
import {
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { requestError } from './errors.js';
import { visitOperation } from './operation-walk.js';

/** The limits on list lengths (MAX_LIST_LENGTH, MAX_WRITE_BATCH). */
export interface ListLimits {
  /** Longest list a request may pass in any argument (entity keys, refs). */
  maxListLength: number;
  /** Most rows one writeFeatureValues may carry. */
  maxWriteBatch: number;
}

type Variables = Readonly<Record<string, unknown>>;

/** The list type whose items are write rows: it may be as long as a write batch; every other list is shorter. */
const WRITE_ROW_TYPE = 'FeatureValueInput';

/** A value the request passes (an argument, a variable's default, a variable) and what it is coerced to. */
interface ValueSite {
  value: ValueNode;
  type: GraphQLInputType;
  /** How a refusal names it: `argument keys` + ` of onlineFeatures`. */
  path: string;
  site: string;
}

/** What the operation's document says about its lists, whatever the variables. */
export interface ListSites {
  /** In the order the checks run, so the first list too long is the one refused, as a full walk would. */
  values: readonly ValueSite[];
  /** Whether a field it selects (even one @skip leaves out) is priced by the registry snapshot. */
  sizedByRegistry: boolean;
}

// Per request, types are told apart with instanceof rather than graphql's isListType & co.: outside
// NODE_ENV=production those check on every miss that the type is not from another copy of graphql, which
// cost more than the rest of the check.
const nullableOf = (type: GraphQLInputType): GraphQLInputType => (type instanceof GraphQLNonNull ? (type.ofType as GraphQLInputType) : type);

function namedTypeName(type: GraphQLInputType): string {
  let named: GraphQLInputType = type;
  while (named instanceof GraphQLNonNull || named instanceof GraphQLList) named = named.ofType as GraphQLInputType;
  return named.name;
}

const sitesBySchema = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, ListSites>>();

/**
 * The operation's list sites, found on its first request. `needsRegistry` (by field coordinate, e.g.
 * `Query.features`) is fixed for the life of the process, so it cannot make a kept answer stale.
 */
export function listSitesOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  needsRegistry: (coordinate: string) => boolean,
): ListSites {
  let bySchema = sitesBySchema.get(schema);
  if (!bySchema) sitesBySchema.set(schema, (bySchema = new WeakMap()));
  let sites = bySchema.get(operation);
  if (!sites) bySchema.set(operation, (sites = findListSites(schema, document, operation, needsRegistry)));
  return sites;
}

/**
 * Walks the whole operation, skipped fields and directive arguments included, because a list is coerced (and
 * paid for) whatever @skip/@include say; then its fragments; then its variable definitions last, so that a
 * variable is named after the argument it is passed as.
 */
function findListSites(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  needsRegistry: (coordinate: string) => boolean,
): ListSites {
  const values: ValueSite[] = [];
  let sizedByRegistry = false;
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    VariableDefinition: () => false,
    Field() {
      const field = typeInfo.getFieldDef();
      const parent = typeInfo.getParentType();
      if (field && parent && needsRegistry(`${parent.name}.${field.name}`)) sizedByRegistry = true;
    },
    Argument(node) {
      const type = typeInfo.getInputType();
      const directive = typeInfo.getDirective();
      const field = typeInfo.getFieldDef();
      // A literal with neither a list nor a variable in it can never be too long: nothing to check per request.
      if (type && mayHoldList(node.value)) {
        values.push({ value: node.value, type, path: `argument ${node.name.value}`, site: ` of ${directive ? `@${directive.name}` : field?.name}` });
      }
    },
  });
  visitOperation(document, operation, visitor);
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) continue;
    const name = definition.variable.name.value;
    if (definition.defaultValue) values.push({ value: definition.defaultValue, type, path: `default of $${name}`, site: '' });
    values.push({ value: definition.variable, type, path: `variable $${name}`, site: '' });
  }
  return { values, sizedByRegistry };
}

function mayHoldList(value: ASTNode): boolean {
  let found = false;
  visit(value, {
    enter(node) {
      if (node.kind === Kind.LIST || node.kind === Kind.VARIABLE) {
        found = true;
        return false;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Refuses any list longer than its limit (write rows: maxWriteBatch; any other list: maxListLength), wherever
 * the request passes it: an argument, a list inside an input object, a variable, a variable's default. Each
 * variable is walked once however often it is used. The walk names nothing (no path string per row of a `rows`
 * read); a request that breaks a limit is walked again, naming each list, to say which one is too long.
 */
export function checkListLengths(sites: ListSites, variables: Variables, limits: ListLimits): void {
  if (sites.values.length === 0) return;
  try {
    new ListCheck(variables, limits, false).sites(sites);
  } catch (error) {
    if (error !== TOO_LONG) throw error;
    new ListCheck(variables, limits, true).sites(sites);
  }
}

/** What an unnamed walk throws at the first list too long. */
const TOO_LONG = Symbol('a list too long');

/** One request's check: a class rather than closures, since it runs for every request. */
class ListCheck {
  private readonly walked = new Set<string>();

  /** `named`: build each list's path, for the refusal; otherwise paths are '' and a list too long throws TOO_LONG. */
  constructor(
    private readonly variables: Variables,
    private readonly limits: ListLimits,
    private readonly named: boolean,
  ) {}

  sites(sites: ListSites): void {
    for (const { value, type, path, site } of sites.values) this.literal(value, type, path, site);
  }

  /** A value written in the query text; variables inside it are walked as JSON, once each. */
  literal(value: ValueNode, type: GraphQLInputType, path: string, site: string): void {
    if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      if (this.walked.has(name)) return;
      this.walked.add(name);
      const shape = shapeOf(type);
      return shape && this.variable(this.variables[name], shape, path, site);
    }
    const nullable = nullableOf(type);
    if (nullable instanceof GraphQLList) {
      const itemType = nullable.ofType as GraphQLInputType;
      if (value.kind !== Kind.LIST) return this.literal(value, itemType, path, site);
      this.length(value.values.length, isWriteRows(nullable), path, site);
      // Variables inside the items are walked even when the item type holds no list: the variable may be a list.
      value.values.forEach((item, i) => this.literal(item, itemType, this.named ? `${path}[${i}]` : '', site));
    } else if (nullable instanceof GraphQLInputObjectType && value.kind === Kind.OBJECT) {
      const fields = nullable.getFields();
      for (const field of value.fields) {
        const definition = fields[field.name.value];
        if (definition) this.literal(field.value, definition.type, this.named ? `${path}.${field.name.value}` : '', site);
      }
    }
  }

  /** A value given in JSON (a variable): lists are arrays, input objects are objects. Plain loops: per row. */
  private variable(value: unknown, shape: ListShape, path: string, site: string): void {
    if (shape.list) {
      // A single value given for a list is coerced into a list of one.
      if (!Array.isArray(value)) return void (shape.item && this.variable(value, shape.item, path, site));
      this.length(value.length, shape.writeRows, path, site);
      const { item } = shape;
      if (!item) return;
      for (let i = 0; i < value.length; i++) this.variable(value[i], item, this.named ? `${path}[${i}]` : '', site);
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, field] of shape.fields) {
        if (Object.hasOwn(value, name)) this.variable((value as Record<string, unknown>)[name], field, this.named ? `${path}.${name}` : '', site);
      }
    }
  }

  /** Refuses a list longer than its limit: write rows up to maxWriteBatch, any other list up to maxListLength. */
  private length(length: number, writeRows: boolean, path: string, site: string): void {
    const limit = writeRows ? this.limits.maxWriteBatch : this.limits.maxListLength;
    if (length <= limit) return;
    if (!this.named) throw TOO_LONG;
    throw requestError(
      'BAD_USER_INPUT',
      `${path}${site} has ${length} items; at most ${limit} are allowed per request: split it into several requests`,
      { length, limit },
    );
  }
}

/**
 * Where the lists are in a value of an input type: a list (whether its items are write rows, and their shape),
 * or an input object with fields that can hold one. Found once per type (shapeOf), so that each of a read's
 * rows costs a few property reads rather than the type lookups that find them (a hundred rows of two keys: 12
 * µs a request, 3 with shapes; 2026-11-27).
 */
type ListShape = { list: true; writeRows: boolean; item: ListShape | undefined } | { list: false; fields: (readonly [string, ListShape])[] };

/** Each input type's shape once found; null for an input object that holds no list. */
const shapes = new WeakMap<GraphQLInputType, ListShape | null>();

/** The shape of the lists in a value of `type`; undefined when it holds none (a scalar, FeatureValueInput). */
function shapeOf(type: GraphQLInputType): ListShape | undefined {
  const nullable = nullableOf(type);
  const known = shapes.get(nullable);
  if (known !== undefined) return known ?? undefined;
  if (nullable instanceof GraphQLList) {
    const list: ListShape = { list: true, writeRows: isWriteRows(nullable), item: undefined };
    shapes.set(nullable, list);
    list.item = shapeOf(nullable.ofType as GraphQLInputType);
    return list;
  }
  if (!(nullable instanceof GraphQLInputObjectType)) return undefined;
  // Kept before its fields are looked at: an input object may refer to itself, and a field that leads back to it
  // finds this shape, complete once the loop ends.
  const object: ListShape = { list: false, fields: [] };
  shapes.set(nullable, object);
  for (const field of Object.values(nullable.getFields())) {
    const fieldShape = shapeOf(field.type);
    if (fieldShape) object.fields.push([field.name, fieldShape]);
  }
  // Rows of a write (FeatureValueInput: scalars and JSON) hold no list, so a 10,000-row batch costs one length
  // check, not a walk.
  if (object.fields.length > 0) return object;
  shapes.set(nullable, null);
  return undefined;
}

const isWriteRows = (listType: GraphQLInputType) => namedTypeName(listType) === WRITE_ROW_TYPE;
