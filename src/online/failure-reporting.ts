// An online store that reports every failed call before passing the failure on: the read and write paths,
// hot-key counting and readiness checks all go through it, so no store error goes unseen, and none of them
// has to remember to report.
import type { OnlineStore } from './store.js';

/** `store`, with every rejected (or throwing) method call reported as (method name, error). */
export function reportingFailures(store: OnlineStore, report: (operation: string, error: unknown) => void): OnlineStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function') return member;
      const operation = String(property);
      return (...args: unknown[]) => {
        const failed = (error: unknown) => {
          report(operation, error);
          throw error;
        };
        let result: unknown;
        try {
          result = (member as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          return failed(error);
        }
        return result instanceof Promise ? result.catch(failed) : result;
      };
    },
  });
}
