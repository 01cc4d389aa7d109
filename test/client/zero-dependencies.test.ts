/** The SDK promises zero runtime dependencies: only relative imports, and node:https lazily for `insecure`. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

test('src/client imports nothing but its own modules (and node:https, lazily)', () => {
  const dir = new URL('../../src/client/', import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const name of files) {
    const source = readFileSync(new URL(name, dir), 'utf8');
    for (const match of source.matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)) {
      const specifier = match[1]!;
      assert.ok(specifier.startsWith('./') || specifier === 'node:https', `${name} imports ${specifier}`);
    }
    assert.doesNotMatch(source, /^import [^']*'node:https'/m, `${name}: node:https must be imported lazily`);
  }
});
