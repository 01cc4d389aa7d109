/**
 * The CLI starts without the server's weight: a client command (token, vms, login ...) or --version loads neither
 * the store's drivers nor argon2 nor fastify. Each is loaded by the command that uses it, when it runs (serve,
 * seed, inventory, admin). Until 2026-12-08 `seed` imported the store at start-up and every command paid for it
 * (tessera --version 0.6 s from dist/, 0.25 s after).
 *
 * The real binary runs with a module hook that writes down every module it resolves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from './run-cli.js';

const HEAVY = [
  '/node_modules/better-sqlite3/',
  '/node_modules/pg/',
  '/node_modules/kysely/',
  '/node_modules/@node-rs/argon2',
  '/node_modules/fastify/',
];

async function modulesLoadedBy(args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-imports-'));
  try {
    const record = join(dir, 'resolved.txt');
    writeFileSync(record, '');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(record)}, resolved.url + '\\n');
  return resolved;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
    );
    const done = await runCli(args, { env: { NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'register.mjs')).href}` } });
    return { code: done.code, modules: readFileSync(record, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const args of [['--version'], ['token', 'list', '--help'], ['vms', '--help']]) {
  test(`tessera ${args.join(' ')} loads no store driver, argon2 or fastify`, async () => {
    const { code, modules } = await modulesLoadedBy(args);
    assert.equal(code, 0);
    // The hook saw the CLI itself: an empty record would pass the check below for the wrong reason.
    assert.ok(
      modules.some((url) => /\/cli\/index\.(ts|js)$/.test(url)),
      `the hook recorded the CLI's modules: ${modules.slice(0, 5).join(', ')}`,
    );
    const heavy = modules.filter((url) => HEAVY.some((part) => url.includes(part)));
    assert.deepEqual(heavy, [], 'modules only a store, a sign-in or a server needs');
  });
}

test('the hook does record a store driver when the command needs one (tessera seed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-seed-'));
  try {
    const { modules } = await modulesLoadedBy(['seed', '--vms', '0', '--data-dir', dir]);
    assert.ok(
      modules.some((url) => url.includes('/node_modules/better-sqlite3/') || url.includes('/node_modules/kysely/')),
      'seed loaded the store',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
