// The context every resolver receives, built the same way for a request Apollo serves and for one the fast
// path serves.
import type { Principal } from '../core/principal.js';
import type { RequestContext, Services } from '../graphql/context.js';
import { createRegistryLoaders, type RegistryLoaders } from '../graphql/loaders.js';

export function requestContext(services: Services, principal: Principal, graphqlResponseJson: boolean): RequestContext {
  let loaders: RegistryLoaders | undefined;
  return {
    ...services,
    principal,
    // Built on first use: an online read, the busiest request, never needs them.
    get loaders() {
      return (loaders ??= createRegistryLoaders(services.registry));
    },
    values: services.reader.createLoader(),
    graphqlResponseJson,
  };
}
