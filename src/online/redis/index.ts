// The online store on Redis and Redis Cluster: what the rest of the service uses of this folder.
export { RedisOnlineStore } from './store.js';
export { placeReplicas } from './replicas.js';
export { slotOf } from './layout.js';
