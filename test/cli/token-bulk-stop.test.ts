/**
 * The bulk `tessera token revoke --yes` when the server refuses along the way, against a stub cloudapi: a token
 * revoked meanwhile (403 on DELETE and on GET, and gone from the list) is skipped and the run goes on; the first
 * other refusal (a 500, or a 403 for a token still visible) stops it, saying how many were revoked, with that error's
 * exit code (docs/cli.md); a selection by use leaves alone a token used since it was listed.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, runCliOnTerminal } from './run-cli.js';

const ids = ['1', '2', '3', '4'].map((n) => `urn:vcloud:token:00000000-0000-4000-8000-00000000000${n}`);
/** What DELETE and GET answer, by token (204/200 when absent). */
let deleteStatus: Record<string, number> = {};
let getStatus: Record<string, number> = {};
/** Tokens whose GET says they were used just now (after the list was read). */
let usedNow = new Set<string>();
const deleted: string[] = [];

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const entity = (id: string, i: number) => ({
  id,
  name: `t-${i + 1}`,
  type: 'REFRESH',
  owner: { name: 'bob', id: 'urn:vcloud:user:00000000-0000-4000-8000-0000000000aa' },
  org: { name: 'acme', id: 'urn:vcloud:org:00000000-0000-4000-8000-0000000000bb' },
  expirationTimeUtc: null,
  createdTimeUtc: '2026-01-01T00:00:00.000Z',
  lastUsedTimeUtc: null,
});

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const refused = (status: number) =>
    json(response, status, { minorErrorCode: status === 403 ? 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' : 'INTERNAL_SERVER_ERROR', message: 'no' });
  if (request.method === 'GET' && url.pathname === '/cloudapi/1.0.0/tokens') {
    const filter = url.searchParams.get('filter') ?? '';
    const values = filter.startsWith('id==') ? [] : ids.map(entity);
    return json(response, 200, { resultTotal: values.length, pageCount: 1, page: 1, pageSize: 128, values });
  }
  const id = decodeURIComponent(url.pathname.replace('/cloudapi/1.0.0/tokens/', ''));
  if (request.method === 'DELETE' && ids.includes(id)) {
    const status = deleteStatus[id] ?? 204;
    if (status !== 204) return refused(status);
    deleted.push(id);
    response.writeHead(204);
    return response.end();
  }
  if (request.method === 'GET' && ids.includes(id)) {
    const status = getStatus[id] ?? 200;
    const body = { ...entity(id, ids.indexOf(id)), ...(usedNow.has(id) ? { lastUsedTimeUtc: '2026-12-06T12:00:00.000Z' } : {}) };
    return status === 200 ? json(response, 200, body) : refused(status);
  }
  json(response, 404, { minorErrorCode: 'NOT_FOUND', message: `${request.method} ${url.pathname}` });
});

let dir: string;
let env: Record<string, string>;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'tessera-bulk-stop-'));
  await mkdir(join(dir, 'tessera'), { recursive: true, mode: 0o700 });
  const session = {
    endpoint,
    org: 'acme',
    user: 'alice',
    apiVersion: '37.0',
    insecure: false,
    accessToken: 'stub',
    sessionId: null,
    signedInAt: '2026-12-06T00:00:00.000Z',
  };
  await writeFile(join(dir, 'tessera', 'session.json'), JSON.stringify(session), { mode: 0o600 });
  env = { XDG_CONFIG_HOME: dir };
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

test('a token revoked meanwhile is skipped; a 500 stops the run with the count done (exit 1)', async () => {
  deleted.length = 0;
  deleteStatus = { [ids[1]!]: 403, [ids[3]!]: 500 };
  getStatus = { [ids[1]!]: 403 };
  const result = await runCli(['token', 'revoke', '--owner', 'bob', '--yes'], { env });
  assert.equal(result.code, 1, result.stderr);
  assert.deepEqual(deleted, [ids[0], ids[2]]);
  assert.equal(result.stdout, `${ids[0]}\n${ids[2]}\n`);
  assert.match(result.stderr, /INTERNAL_SERVER_ERROR/);
  assert.match(
    result.stderr,
    /Stopped after revoking 2 of 4 API tokens \(1 revoked meanwhile by someone else\); not revoked: 1 \(this one and the rest\)\./,
  );
});

test('a 403 for a token still visible stops the run at once (exit 4)', async () => {
  deleted.length = 0;
  deleteStatus = { [ids[0]!]: 403 };
  getStatus = {};
  const result = await runCli(['token', 'revoke', '--owner', 'bob', '--yes'], { env });
  assert.equal(result.code, 4, result.stderr);
  assert.deepEqual(deleted, []);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /Stopped after revoking 0 of 4 API tokens; not revoked: 4 \(this one and the rest\)\./);
});

test('a selection by use reads each token again: one used since it was listed is left alone', async () => {
  deleted.length = 0;
  deleteStatus = {};
  getStatus = {};
  usedNow = new Set([ids[2]!]);
  const result = await runCli(['token', 'revoke', '--unused-days', '90', '--yes'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(deleted, [ids[0], ids[1], ids[3]]);
  assert.match(result.stderr, /Revoked 3 API tokens; 1 used since listed and left alone\.\n$/);
  usedNow = new Set();
});

test('on a terminal the progress line is redrawn in place, and cleared before each id so that none is glued to it', async () => {
  deleted.length = 0;
  deleteStatus = {};
  getStatus = {};
  const result = await runCliOnTerminal(['token', 'revoke', '--owner', 'bob', '--yes'], { env });
  assert.equal(result.code, 0, result.output);
  assert.equal(deleted.length, 4);
  assert.match(result.output, /\r\u001b\[2Krevoked 4\/4/);
  // Until the line was cleared first, the terminal showed "revoked 1/4urn:vcloud:token:...".
  assert.doesNotMatch(result.output, /revoked \d\/4urn:/);
  for (const id of ids) assert.match(result.output, new RegExp(`(^|\\u001b\\[2K)${id}\\r?\\n`, 'm'));
});
