// The length of every list a request passes, checked before anything runs (limits.ts runs it, with the price).
//
// Where the lists sit is a property of the operation: which arguments (of fields and directives, in fragments
// too) and which variable definitions, with the input type each is coerced to and the name it is refused
// under. That takes a TypeInfo walk over the whole document, so it is found once per operation and kept in
// a WeakMap keyed by the operation's node (Apollo's document cache and the fast path's operation cache hand
// back the same node for a repeat); a repeat request then only walks its variables' values at those sites.
import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
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
  visit(operation, visitor);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, visitor);
  }
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
 * variable is walked once however often it is used.
 */
export function checkListLengths(sites: ListSites, variables: Variables, limits: ListLimits): void {
  const walked = new Set<string>();

  const refuse = (length: number, limit: number, what: string) => {
    throw requestError(
      'BAD_USER_INPUT',
      `${what} has ${length} items; at most ${limit} are allowed per request: split it into several requests`,
      { length, limit },
    );
  };
  const limitOf = (listType: GraphQLInputType) => (getNamedType(listType).name === WRITE_ROW_TYPE ? limits.maxWriteBatch : limits.maxListLength);

  // A value given in JSON (a variable): lists are arrays, input objects are objects.
  const checkVariable = (value: unknown, type: GraphQLInputType, path: string, site: string): void => {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const itemType = nullable.ofType as GraphQLInputType;
      if (!Array.isArray(value)) return checkVariable(value, itemType, path, site);
      if (value.length > limitOf(nullable)) refuse(value.length, limitOf(nullable), `${path}${site}`);
      if (holdsLists(itemType)) value.forEach((item, i) => checkVariable(item, itemType, `${path}[${i}]`, site));
    } else if (holdsLists(nullable) && isInputObjectType(nullable) && typeof value === 'object' && value !== null) {
      // for…in rather than Object.entries: no pair array per field of every row of a `rows` read.
      const fields = nullable.getFields();
      for (const name in value) {
        const field = fields[name];
        if (field && Object.hasOwn(value, name)) checkVariable((value as Record<string, unknown>)[name], field.type, `${path}.${name}`, site);
      }
    }
  };

  // A value written in the query text; variables inside it are walked as JSON, once each.
  const checkLiteral = (value: ValueNode, type: GraphQLInputType, path: string, site: string): void => {
    if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      if (walked.has(name)) return;
      walked.add(name);
      return checkVariable(variables[name], type, path, site);
    }
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const itemType = nullable.ofType as GraphQLInputType;
      if (value.kind !== Kind.LIST) return checkLiteral(value, itemType, path, site);
      if (value.values.length > limitOf(nullable)) refuse(value.values.length, limitOf(nullable), `${path}${site}`);
      // Variables inside the items are walked even when the item type holds no list: the variable may be a list.
      value.values.forEach((item, i) => checkLiteral(item, itemType, `${path}[${i}]`, site));
    } else if (isInputObjectType(nullable) && value.kind === Kind.OBJECT) {
      const fields = nullable.getFields();
      for (const field of value.fields) {
        const definition = fields[field.name.value];
        if (definition) checkLiteral(field.value, definition.type, `${path}.${field.name.value}`, site);
      }
    }
  };

  for (const { value, type, path, site } of sites.values) checkLiteral(value, type, path, site);
}

const listHolders = new WeakMap<GraphQLInputType, boolean>();

/**
 * Whether a value of `type` can contain a list: a list, or an input object with such a field. Rows of a write
 * (FeatureValueInput: scalars and JSON) hold none, so a 10,000-row batch costs one length check, not a walk.
 */
function holdsLists(type: GraphQLInputType): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return true;
  if (!isInputObjectType(nullable)) return false;
  let holds = listHolders.get(nullable);
  if (holds === undefined) {
    // Input objects may refer to themselves: assume none while looking.
    listHolders.set(nullable, false);
    holds = Object.values(nullable.getFields()).some((field) => holdsLists(field.type));
    listHolders.set(nullable, holds);
  }
  return holds;
}
