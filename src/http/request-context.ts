// The context every resolver receives, built the same way for a request Apollo serves and for one the fast
// path serves.
import type { Principal } from '../core/principal.js';
import type { RequestContext, Services } from '../graphql/context.js';
import { withLoaders } from '../graphql/loaders.js';

export function requestContext(services: Services, principal: Principal, graphqlResponseJson: boolean): RequestContext {
  // The loaders are built on first use: an online read, the busiest request, never needs the registry's.
  return withLoaders({ ...services, principal, graphqlResponseJson });
}
