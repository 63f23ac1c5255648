// What every resolver receives: who is calling, the domain services, and this request's loaders.
import type { ApiKeys } from '../auth/keys.js';
import type { Principal } from '../core/principal.js';
import type { HotEntityCache } from '../hotkeys/cache.js';
import type { HotKeys } from '../hotkeys/hot-keys.js';
import type { ValueDistributions } from '../monitoring/distributions.js';
import type { Validator } from '../monitoring/validation.js';
import type { Alerts } from '../monitoring/alerts.js';
import type { EventLag } from '../online/event-lag.js';
import type { OnlineReader } from '../online/reader.js';
import type { ValueWriter } from '../online/writer.js';
import type { RegistryCache } from '../registry/cache.js';
import type { Definitions } from '../registry/plan.js';
import type { Registry } from '../registry/registry.js';
import type { ResponseMedia } from './http-status.js';
import type { RequestLoaders } from './loaders.js';

/** The domain services of one instance, shared by all requests. */
export interface Services {
  registry: Registry;
  definitions: Definitions;
  apiKeys: ApiKeys;
  /** The in-process registry snapshot: request limits price reads and registry-wide lists by it. */
  registryCache: RegistryCache;
  reader: OnlineReader;
  writer: ValueWriter;
  eventLag: EventLag;
  hotKeys: HotKeys;
  cache: HotEntityCache;
  distributions: ValueDistributions;
  validator: Validator;
  alerts: Alerts;
}

export interface RequestContext extends Services, ResponseMedia, RequestLoaders {
  principal: Principal;
}
