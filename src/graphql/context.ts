// What every resolver receives: who is calling, the domain services, and this request's loaders.
import type { Principal } from '../auth/principal.js';
import type { Registry } from '../registry/registry.js';
import type { RegistryLoaders } from './loaders.js';

export interface RequestContext {
  principal: Principal;
  registry: Registry;
  loaders: RegistryLoaders;
}
