/**
 * An object with some of its members replaced, without touching its class: a benchmark's timed
 * executor, devstack's bad-actor compute engines.
 */

/**
 * `target` with the members of `overrides` in place of its own; every other member is the target's,
 * methods bound to it and getters read on it (its private fields are not reachable through the proxy).
 * A proxy rather than a wrapper class: members beyond the declared interface stay reachable, as the
 * code the object is handed to may look for them (Docker's orphan clean-up on its executor).
 */
export function intercept<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
    },
  });
}
