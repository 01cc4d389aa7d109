/**
 * The inventory file's JSON Schema as published in docs/inventory.schema.json (draft-07, what ajv and editors'
 * YAML language servers read). One source: the TypeBox objects in document-schema.ts.
 */
import { InventoryFile } from './document-schema.js';

export function inventorySchemaJson(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...InventoryFile }, null, 2)}\n`;
}
