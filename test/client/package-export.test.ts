/**
 * The package's `exports` point at the compiled build (dist/*.js with .d.ts types). Here, without a build, the
 * map is checked against the sources it is compiled from; scripts/test-package.sh imports the real thing from
 * an installed `npm pack` tarball.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sdk from '../../src/client/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  exports: Record<string, { types: string; default: string } | string>;
  files: string[];
};

test('the SDK (the ./client export) has its public surface', () => {
  for (const name of ['createVcdApiHeaders', 'VcdClient', 'VcdApiError', 'VcdNetworkError', 'VcdResponseError', 'parseErrorBody']) {
    assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(sdk.DEFAULT_API_VERSION, '37.0');
});

test('every export names a dist/ module and its types, compiled from an existing source file', () => {
  assert.equal(pkg.name, '@tessera-vcd/server');
  for (const subpath of ['.', './client']) {
    const target = pkg.exports[subpath];
    assert.ok(target && typeof target === 'object', subpath);
    assert.match(target.default, /^\.\/dist\/.+\.js$/);
    assert.equal(target.types, target.default.replace(/\.js$/, '.d.ts'));
    const source = target.default.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(new URL(`../../${source}`, import.meta.url)), source);
  }
  assert.ok(pkg.files.includes('dist/') && pkg.files.includes('bin/'));
});
