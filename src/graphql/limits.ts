// Limits that keep one request from taking the service down, checked once the operation and its variables are
// known and before anything runs: the length of every list the request passes, the online values it would load
// and its cost. Query size, parser tokens and depth are refused earlier (server.ts, depth.ts).
//
// No verdict is remembered between requests: a cost depends on the text, the operation, the variables that
// @skip/@include read, every list length and the consumers' pins, and a cache keyed by less than all of that
// let a query primed with @skip(if: true) run unpriced with `false`. What is kept is only what the document
// alone decides: where its lists sit (list-lengths.ts, once per operation); the price walk is linear in the
// document, with no TypeInfo, and runs every time.
// Hand-written rather than graphql-query-complexity: the price of a read depends on the consumer's pins and on
// list lengths passed in variables, and the fields a request may not price by default lists (REGISTRY_LISTS)
// depend on what the registry holds; that library's estimators would take the same code as callbacks.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLInputObjectType,
  isListType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { tooManyValues } from '../online/reader.js';
import type { RegistryCounts } from '../registry/cache.js';
import { requestError } from './errors.js';
import { checkListLengths, listSitesOf, type ListLimits } from './list-lengths.js';

/** The settings these checks enforce (MAX_LIST_LENGTH, MAX_WRITE_BATCH, MAX_VALUES_PER_REQUEST, MAX_QUERY_COST). */
export interface RequestLimits extends ListLimits {
  /** Most online values one request may load, over all its fields together. */
  maxValuesPerRequest: number;
  maxQueryCost: number;
}
type Variables = Readonly<Record<string, unknown>>;

/** What pricing needs from the registry (its in-process snapshot): each consumer's pins, and how much it holds. */
export interface RegistrySizes {
  pinCount(consumer: string): number;
  readonly counts: RegistryCounts;
}

/** How many items a list field is assumed to return when nothing in the request says how many. */
const ASSUMED_LIST_SIZE = 10;

/** The fields that read online values; they load keys × (pinned versions, or one version) values. */
const ONLINE_READS = new Set(['Query.onlineFeatures', 'Query.featureValues']);

/**
 * Lists whose length grows with the registry, priced by what it holds now rather than ASSUMED_LIST_SIZE: a query
 * over every feature of a registry of thousands returns thousands. `alerts` can hold two alerts per version (lag,
 * drift), one per consumer binding (mismatch) and up to 100 hot keys.
 */
const REGISTRY_LISTS: Readonly<Record<string, (counts: RegistryCounts) => number>> = {
  'Query.features': (c) => c.features,
  'Feature.versions': (c) => c.mostVersionsOfAFeature,
  'Query.bindingMismatches': (c) => c.consumerBindings,
  'Query.alerts': (c) => 2 * c.versions + c.consumerBindings + 100,
};

/** The online read whose size depends on the consumer's pins. */
const PINNED_READ = 'Query.onlineFeatures';

/** Whether pricing a field needs the registry snapshot. */
const needsRegistry = (coordinate: string) => coordinate === PINNED_READ || coordinate in REGISTRY_LISTS;

export function limitsPlugin(schema: GraphQLSchema, limits: RequestLimits, registry: { snapshot(): Promise<RegistrySizes> }): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (operation) await checkRequestLimits(schema, limits, registry, document, operation, request.variables ?? {});
        },
      };
    },
  };
}

/**
 * Throws the request error for the first limit the operation breaks with these variables: a list too long, too
 * many online values, too high a cost. Apollo runs it for every request (limitsPlugin), the HTTP fast path for
 * every repeat of an operation it serves.
 */
export async function checkRequestLimits(
  schema: GraphQLSchema,
  limits: RequestLimits,
  registry: { snapshot(): Promise<RegistrySizes> },
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): Promise<void> {
  const sites = listSitesOf(schema, document, operation, needsRegistry);
  checkListLengths(sites, variables, limits);
  const { sizedByRegistry } = sites;
  const sizes = sizedByRegistry ? await registry.snapshot() : undefined;
  const price = new Pricing(schema, document, operation, variables, sizes).price();
  if (price.values > limits.maxValuesPerRequest) {
    const error = tooManyValues(price.values, limits.maxValuesPerRequest);
    throw requestError(error.code, error.message, error.details);
  }
  if (price.cost > limits.maxQueryCost) {
    throw requestError(
      'QUERY_TOO_COSTLY',
      `query cost ${price.cost} exceeds the limit of ${limits.maxQueryCost}: select fewer fields or fewer items per request`,
      { cost: price.cost, maxCost: limits.maxQueryCost },
    );
  }
}

/** What pricing reads of a field definition: the same for every request, so found once per field. */
interface FieldFacts {
  /** `Type.field`, as ONLINE_READS and REGISTRY_LISTS name it. */
  coordinate: string;
  type: GraphQLNamedOutputType;
  list: boolean;
}

const fieldFacts = new WeakMap<GraphQLField<unknown, unknown>, FieldFacts>();

/**
 * Each field definition belongs to one type, so its facts can be kept on it; the meta fields (__typename) are
 * shared by every type and are not kept. Kept, too, because graphql's getNamedType and isListType check the
 * realm of every type they are not (outside NODE_ENV=production), which cost more than the whole price walk.
 */
function factsOf(parent: GraphQLCompositeType, definition: GraphQLField<unknown, unknown>): FieldFacts {
  let facts = fieldFacts.get(definition);
  if (!facts) {
    facts = { coordinate: `${parent.name}.${definition.name}`, type: getNamedType(definition.type), list: isListType(getNullableType(definition.type)) };
    if (!definition.name.startsWith('__')) fieldFacts.set(definition, facts);
  }
  return facts;
}

interface Price {
  cost: number;
  /** Online values the selection would load. */
  values: number;
}

const FREE: Price = { cost: 0, values: 0 };

/** The sizes of an online read's lists: rows (one per key) and values per row (the versions read). */
interface ReadSizes {
  rows: number;
  features: number;
}

/**
 * The price of an operation as it will run: fields that @skip/@include leave out cost nothing. Each field costs
 * 1 plus its children. An online read multiplies its `rows` by the keys and each row's `features` by the
 * versions it reads (the consumer's pins, from the registry snapshot, or one for featureValues), and counts
 * keys × versions online values. A list that grows with the registry (REGISTRY_LISTS) multiplies its
 * children by what the registry holds; a list field with a `limit` argument by the limit; any other list field
 * by ASSUMED_LIST_SIZE. Each fragment is priced once per read size it is used under, so
 * a fragment spread many times over cannot make the walk itself exponential.
 */
class Pricing {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly fragmentPrices = new Map<string, Price>();
  /** The request's variables, with the operation's defaults for those it leaves out. */
  private readonly variables: Record<string, unknown>;

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly operation: OperationDefinitionNode,
    variables: Variables,
    /** The registry snapshot, when a field's price depends on it. */
    private readonly registry: RegistrySizes | undefined,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
    this.variables = { ...variables };
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      if (this.variables[name] === undefined && definition.defaultValue) this.variables[name] = valueFromASTUntyped(definition.defaultValue);
    }
  }

  price(): Price {
    const root = this.schema.getRootType(this.operation.operation);
    return root ? this.selection(this.operation.selectionSet, root, undefined) : FREE;
  }

  private selection(set: SelectionSetNode, parent: GraphQLCompositeType, sizes: ReadSizes | undefined): Price {
    const total = { cost: 0, values: 0 };
    for (const selection of set.selections) {
      if (!this.included(selection.directives)) continue;
      let price: Price;
      if (selection.kind === Kind.FIELD) {
        price = this.field(selection, parent, sizes);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.compositeType(selection.typeCondition.name.value) : parent;
        price = type ? this.selection(selection.selectionSet, type, sizes) : FREE;
      } else {
        price = this.fragment(selection.name.value, sizes);
      }
      total.cost += price.cost;
      total.values += price.values;
    }
    return total;
  }

  private fragment(name: string, sizes: ReadSizes | undefined): Price {
    const key = `${name}\u0000${sizes?.rows}\u0000${sizes?.features}`;
    let price = this.fragmentPrices.get(key);
    if (price === undefined) {
      const fragment = this.fragments.get(name);
      const type = fragment && this.compositeType(fragment.typeCondition.name.value);
      // Validation refused fragment cycles; the placeholder only keeps a broken document from looping here.
      this.fragmentPrices.set(key, FREE);
      price = fragment && type ? this.selection(fragment.selectionSet, type, sizes) : FREE;
      this.fragmentPrices.set(key, price);
    }
    return price;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType, sizes: ReadSizes | undefined): Price {
    const definition = this.fieldDefinition(parent, node.name.value);
    if (!definition) return { cost: 1, values: 0 };
    const { coordinate, type, list } = factsOf(parent, definition);
    if (ONLINE_READS.has(coordinate)) {
      const keys = this.listLength(node, 'entityKeys') ?? this.listLength(node, 'rows') ?? 0;
      const subset = this.listLength(node, 'features');
      const consumer = this.argument(node, 'consumer');
      const pinned = typeof consumer === 'string' ? (this.registry?.pinCount(consumer) ?? 0) : 1;
      const read = { rows: keys, features: subset === undefined ? pinned : Math.min(subset, pinned) };
      const children = node.selectionSet && 'getFields' in type ? this.selection(node.selectionSet, type, read) : FREE;
      return { cost: 1 + children.cost, values: children.values + read.rows * read.features };
    }
    if (!node.selectionSet || !('getFields' in type)) return { cost: 1, values: 0 };
    const children = this.selection(node.selectionSet, type, sizes);
    const size = list ? this.listSize(node, coordinate, sizes) : 1;
    return { cost: 1 + size * children.cost, values: size * children.values };
  }

  private listSize(node: FieldNode, coordinate: string, sizes: ReadSizes | undefined): number {
    if (sizes && coordinate === 'OnlineFeaturesResult.rows') return sizes.rows;
    if (sizes && coordinate === 'OnlineRow.features') return sizes.features;
    const registryList = REGISTRY_LISTS[coordinate];
    if (registryList && this.registry) return registryList(this.registry.counts);
    const limit = this.argument(node, 'limit');
    return typeof limit === 'number' && limit >= 0 ? limit : ASSUMED_LIST_SIZE;
  }

  private fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === this.schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return 'getFields' in parent ? parent.getFields()[name] : undefined;
  }

  private compositeType(name: string): GraphQLCompositeType | undefined {
    const type = this.schema.getType(name);
    return type && 'getFields' in type && !(type instanceof GraphQLInputObjectType) ? (type as GraphQLCompositeType) : undefined;
  }

  /** @skip(if: true) and @include(if: false) leave a selection out, with literal or variable conditions. */
  private included(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const condition = directive.arguments?.find((a) => a.name.value === 'if');
      if (!condition) continue;
      const value = this.value(condition.value);
      if (directive.name.value === 'skip' && value === true) return false;
      if (directive.name.value === 'include' && value === false) return false;
    }
    return true;
  }

  /** An argument's value as the request gives it (literal or variable), uncoerced: enough to size and name. */
  private argument(node: FieldNode, name: string): unknown {
    const argument = node.arguments?.find((a) => a.name.value === name);
    return argument ? this.value(argument.value) : undefined;
  }

  private listLength(node: FieldNode, name: string): number | undefined {
    const argument = node.arguments?.find((a) => a.name.value === name);
    if (!argument) return undefined;
    if (argument.value.kind === Kind.LIST) return argument.value.values.length;
    const value = this.value(argument.value);
    // A single value given for a list argument is coerced into a list of one.
    return Array.isArray(value) ? value.length : value === null || value === undefined ? undefined : 1;
  }

  private value(node: ValueNode): unknown {
    return valueFromASTUntyped(node, this.variables);
  }

}
