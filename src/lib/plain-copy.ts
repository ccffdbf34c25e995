/**
 * A deep copy of plain data (objects, arrays and primitives, as the model codec decodes them). Strings
 * are shared, being immutable, so a copy costs the number of objects in it, not its size: a job spec
 * with megabytes of inline input copies as fast as a small one (`structuredClone` copies the bytes).
 */
export function plainCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) copy[key] = plainCopy(child);
  return copy as T;
}
