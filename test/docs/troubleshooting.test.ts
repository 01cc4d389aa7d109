/**
 * docs/operations.md's Troubleshooting table quotes the messages a newcomer sees, so that a search for the message
 * finds its row. Each quoted message must still be one Tessera prints: a reworded error in src/ and not in the
 * table leaves the newcomer with a message the docs do not know (2026-12-07). Placeholders (`...`, a path, a port,
 * `pid N`) are left out; what is left, runs of three words or more, must be in src/ as written. curl's own message is
 * curl's.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

function sourceText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

/** The first cells of the table under `## Troubleshooting`. */
function troubleshootingRows(page: string): string[] {
  const start = page.indexOf('\n## Troubleshooting\n');
  assert.ok(start >= 0, 'docs/operations.md has a Troubleshooting section');
  const section = page.slice(start + 1).split(/\n## /)[0]!;
  return section
    .split('\n')
    .filter((line) => /^\| (?!what you see|---)/.test(line))
    .map((line) => line.split(/(?<!\\)\|/)[1]!.trim());
}

/** Messages of other programs the table quotes: curl's, and Node's for a port in use. */
const NOT_TESSERA = [/^curl:/, /^listen E[A-Z]+:/];

/** The quoted messages of one cell (code spans and "..."), cut at placeholders into runs of three words or more. */
function messageRuns(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`|"([^"]+)"/g)]
    .map((m) => m[1] ?? m[2]!)
    .filter((quoted) => !NOT_TESSERA.some((re) => re.test(quoted)))
    .flatMap((quoted) => (quoted.startsWith('{') ? [...quoted.matchAll(/"message":"([^"]+)"/g)].map((m) => m[1]!) : [quoted]))
    .flatMap((message) => message.split(/\.\.\.|\S*\d\S*|\S*\/\S*|\bpid N\b|\bhost H\b|[()]/))
    .map((run) => run.trim().replace(/^[:;,.]\s*|[:;,.]$/g, '').trim())
    .filter((run) => run.split(/\s+/).length >= 3);
}

test('the quoted messages are cut at their placeholders', () => {
  assert.deepEqual(messageRuns('`tessera: .../tessera.db is in use by another Tessera server (pid N on host H, started ...)`'), [
    'is in use by another Tessera server',
  ]);
  assert.deepEqual(messageRuns('`{"minorErrorCode":"invalid_grant","message":"Invalid refresh token"}` from `POST /oauth/.../token`'), [
    'Invalid refresh token',
  ]);
  assert.deepEqual(messageRuns('`curl: (60) SSL certificate problem: self-signed certificate`'), []);
  assert.deepEqual(messageRuns('`tessera: cannot listen on 127.0.0.1:8443: ...`'), ['tessera: cannot listen on']);
  assert.deepEqual(messageRuns('(`listen EADDRINUSE: address already in use`)'), []);
  assert.deepEqual(messageRuns('`429` `Too many failed sign-in attempts; retry later`'), ['Too many failed sign-in attempts; retry later']);
});

test("every message docs/operations.md's Troubleshooting quotes is one Tessera prints", () => {
  const source = sourceText(join(ROOT, 'src'));
  const rows = troubleshootingRows(readFileSync(join(ROOT, 'docs/operations.md'), 'utf8'));
  const runs = rows.flatMap(messageRuns);
  assert.ok(rows.length >= 8 && runs.length >= 6, `${rows.length} rows, ${runs.length} messages`);
  assert.deepEqual(
    runs.filter((run) => !source.includes(run)),
    [],
    'quoted in the Troubleshooting table but printed nowhere in src/',
  );
});
