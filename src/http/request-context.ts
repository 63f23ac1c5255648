// The context every resolver receives, built the same way for a request Apollo serves and for one the fast
// path serves.
import type { Principal } from '../core/principal.js';
import type { RequestContext, Services } from '../graphql/context.js';
import { withLoaders } from '../graphql/loaders.js';

/**
 * Per instance of the services, the part of every context that does not change: the services and the loaders'
 * getters. A request's context inherits it and holds only its own caller, media type and loaders, so building
 * one copies no services (Apollo's per-operation clone keeps the prototype, so it sees them too).
 */
const shared = new WeakMap<Services, object>();

export function requestContext(services: Services, principal: Principal, graphqlResponseJson: boolean): RequestContext {
  let base = shared.get(services);
  if (!base) shared.set(services, (base = withLoaders({ ...services })));
  // The loaders are built on first use, on the request's own context: an online read, the busiest request,
  // never needs the registry's.
  const context = Object.create(base) as RequestContext;
  context.principal = principal;
  context.graphqlResponseJson = graphqlResponseJson;
  return context;
}
