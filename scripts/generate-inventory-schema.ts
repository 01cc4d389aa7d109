/**
 * Writes docs/inventory.schema.json from the TypeBox source (src/inventory/declarative/document-schema.ts), so
 * the published schema and the validator can never disagree. Run after changing the schema:
 *   node --import tsx scripts/generate-inventory-schema.ts
 * test/inventory/apply-schema.test.ts fails when the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { inventorySchemaJson } from '../src/inventory/declarative/published-schema.js';

const target = new URL('../docs/inventory.schema.json', import.meta.url);
writeFileSync(target, inventorySchemaJson());
process.stdout.write(`wrote ${target.pathname}\n`);
