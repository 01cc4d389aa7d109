/**
 * The SDK promises zero runtime dependencies: only its own modules, node:https lazily for `insecure`, and
 * type-only imports of the shared wire contract (src/schemas), which vanish at run time.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

test('src/client imports nothing but its own modules (and node:https, node:fs/promises for token files, lazily)', () => {
  const dir = new URL('../../src/client/', import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const name of files) {
    const source = readFileSync(new URL(name, dir), 'utf8');
    for (const match of source.matchAll(/^(import type|export type)?[^'\n]*(?:from\s+|import\()\s*'([^']+)'/gm)) {
      const typeOnly = match[1] !== undefined;
      const specifier = match[2]!;
      // node:fs/promises only for token files (token-file.ts), lazily like node:https.
      const lazyNode = specifier === 'node:https' || (name === 'token-file.ts' && specifier === 'node:fs/promises');
      const allowed = specifier.startsWith('./') || lazyNode || (typeOnly && specifier.startsWith('../schemas/'));
      assert.ok(allowed, `${name} imports ${specifier}${typeOnly ? ' (type only)' : ''}`);
    }
    assert.doesNotMatch(source, /^import [^']*'node:(https|fs\/promises)'/m, `${name}: node modules must be imported lazily`);
  }
});
