/**
 * The published schema (docs/inventory.schema.json) is generated from the TypeBox source the validator uses:
 * this fails when someone changes one without the other (regenerate with scripts/generate-inventory-schema.ts).
 * The example file of docs/inventory.md validates against the published file with a separate ajv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { inventorySchemaJson } from '../../src/inventory/declarative/published-schema.js';
import { readInventoryFile } from '../../src/inventory/declarative/validate.js';

const published = readFileSync(new URL('../../docs/inventory.schema.json', import.meta.url), 'utf8');

test('docs/inventory.schema.json is what the TypeBox source generates', () => {
  assert.equal(published, inventorySchemaJson(), 'run: node --import tsx scripts/generate-inventory-schema.ts');
});

test('the example in docs/inventory.md is valid for the published schema and for the validator', () => {
  const doc = readFileSync(new URL('../../docs/inventory.md', import.meta.url), 'utf8');
  const example = /```yaml\n(# inventory\.yaml[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'docs/inventory.md has a ```yaml block starting with "# inventory.yaml"');
  const validate = new Ajv({ strict: false }).compile(JSON.parse(published));
  assert.ok(validate(parse(example)), JSON.stringify(validate.errors));
  assert.ok(readInventoryFile(example).doc.orgs.length > 0);
  // And the schema rejects what it should.
  assert.equal(validate({ version: 1, orgs: [{ name: 'x', vdcs: [{ name: 'a/b' }] }] }), false);
  assert.equal(validate({ version: 1, orgs: [], extra: true }), false);
  // A metadata key of "." or "..": an entry's href ends with its key, which URL parsers would resolve to the entity.
  const withKey = (key: string) => {
    const copy = parse(example);
    const entries = /"metadata":\[/.test(JSON.stringify(copy)) ? findMetadata(copy) : null;
    assert.ok(entries, 'the example has metadata');
    entries[0]!.key = key;
    return copy;
  };
  for (const key of ['.', '..']) assert.equal(validate(withKey(key)), false, key);
  for (const key of ['...', '.hidden', 'a..b']) assert.ok(validate(withKey(key)), JSON.stringify(validate.errors));
});

/** The first metadata list in a document. */
function findMetadata(node: unknown): Array<{ key: string }> | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findMetadata(item);
      if (found) return found;
    }
    return null;
  }
  if (node === null || typeof node !== 'object') return null;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record.metadata) && record.metadata.length > 0) return record.metadata as Array<{ key: string }>;
  return findMetadata(Object.values(record));
}
