/**
 * JSON and YAML output print what Bacalhau's CLI prints: the wire form of a model (enums as on the wire,
 * Go's field order and omitempty), not the client's decoded form.
 */
import { encodeStruct, type StructSchema } from '../../models/codec.js';
import { printList, type OutputOptions, type OutputTarget } from './output.js';
import type { Column } from './table.js';

export function wireValue(value: object, schema: () => StructSchema): Record<string, unknown> {
  return encodeStruct(value as Record<string, unknown>, schema());
}

export function wireItems(items: readonly object[], schema: () => StructSchema): Record<string, unknown>[] {
  return items.map((item) => wireValue(item, schema));
}

/** A list as a table or csv, or — as json/yaml — the items' wire form. */
export function printWireList<T extends object>(
  target: OutputTarget,
  columns: readonly Column<T>[],
  items: readonly T[],
  options: OutputOptions,
  schema: () => StructSchema,
): void {
  printList(target, columns, items, options, wireItems(items, schema));
}
