/**
 * A deep copy of plain data (objects, arrays and primitives, as the model codec decodes them). Strings
 * are shared, being immutable, so a copy costs the number of objects in it, not its size: a job spec
 * with megabytes of inline input copies as fast as a small one (`structuredClone` copies the bytes).
 */
export function plainCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  // a spread copies an object's own fields in one step, ~4 times faster than adding them one by one;
  // only the fields holding objects are then replaced by their copies
  const copy = { ...value } as Record<string, unknown>;
  for (const key of Object.keys(copy)) {
    const child = copy[key];
    if (typeof child !== 'object' || child === null) continue;
    // an own `__proto__` key (JSON.parse makes one) would set the copy's prototype if assigned
    if (key === '__proto__') Object.defineProperty(copy, key, { value: plainCopy(child) });
    else copy[key] = plainCopy(child);
  }
  return copy as T;
}
