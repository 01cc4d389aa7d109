/**
 * "No token, password or secret in any log line" and "never the secret" in the audit trail (issue 2 item 7,
 * issue 3 item 8): a real `tessera serve` child process at the most verbose log level goes through every flow
 * that carries a secret (sign-in, legacy sign-in, TOTP enrolment, token creation, exchange in the body and in the
 * query string, use, refusal, revocation), then its whole output and its whole database are searched for each
 * secret it saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../helpers/tessera.js';
import { basic, bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { generateApiToken } from '../../src/domain/api-token-format.js';
import { findApiTokens } from '../../src/cli/scan/find-tokens.js';
import { XML_37, raw } from './support.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

test('no secret in the logs (level trace) or in the audit table', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-logs-'));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  const child = spawn(
    process.execPath,
    ['bin/tessera.js', 'serve', '--http', '--port', String(port), '--data-dir', dataDir, '--demo', '--log-level', 'trace'],
    {
      env: { ...env, TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD, TESSERA_DEMO_PASSWORD: DEMO_PASSWORD, TESSERA_REQUEST_LOG: 'all' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
      const check = () => /Tessera is listening/.test(output) && (clearTimeout(timer), resolve());
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', () => reject(new Error(`exited:\n${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const secrets: Record<string, string> = { 'admin password': ADMIN_PASSWORD, 'demo password': DEMO_PASSWORD };

    const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
    secrets['alice session'] = alice;
    const legacy = await http(`${base}/api/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('bob', 'acme', DEMO_PASSWORD), Accept: XML_37 },
    });
    secrets['legacy session id'] = legacy.headers.get('x-vcloud-authorization')!;
    secrets['legacy session jwt'] = legacy.headers.get('x-vmware-vcloud-access-token')!;
    await raw(`${base}/api/session`, { headers: { 'x-vcloud-authorization': secrets['legacy session id']!, Accept: XML_37 } });
    const wrong = await http(`${base}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('alice', 'acme', 'Wrong-Guess-4242') },
    });
    assert.equal(wrong.status, 401);
    secrets['wrong password'] = 'Wrong-Guess-4242';

    const hank = await signIn(base, 'hank', 'globex', DEMO_PASSWORD);
    const totp = await http(`${base}/cloudapi/1.0.0/users/current/totp`, {
      method: 'POST',
      headers: { ...bearer(hank), 'Content-Type': 'application/json' },
      body: '{}',
    });
    secrets['totp secret'] = totp.json().secret;

    const tok = await createApiToken(base, alice, 'acme', 'logged');
    secrets['api token'] = tok.apiToken;
    const viaBody = await exchange(base, 'acme', tok.apiToken);
    secrets['access token (body exchange)'] = viaBody.json().access_token;
    const viaQuery = await raw(`${base}/oauth/tenant/acme/token?grant_type=refresh_token&refresh_token=${tok.apiToken}`, {
      method: 'POST',
    });
    assert.equal(viaQuery.status, 200);
    secrets['access token (query exchange)'] = viaQuery.json().access_token;
    await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(secrets['access token (body exchange)']!) });
    await raw(`${base}/api/session`, {
      headers: { 'X-VMWARE-VCLOUD-ACCESS-TOKEN': secrets['access token (query exchange)']!, Accept: XML_37 },
    });
    const unknown = generateApiToken();
    secrets['unknown token'] = unknown;
    assert.equal((await exchange(base, 'acme', unknown)).status, 400);
    assert.equal(
      (await raw(`${base}/oauth/tenant/acme/token?grant_type=refresh_token&refresh_token=${unknown}`, { method: 'POST' })).status,
      400,
    );
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status, 204);
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 400);
    assert.equal((await raw(`${base}/oauth/tenant/acme/revoke`, { method: 'POST', body: `token=${unknown}` })).status, 200);
    // A request that fails inside a handler with a bad body also logs (at error level for 5xx, debug for 4xx).
    await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: '{"client_name":',
    });

    // A token pasted where no parameter name marks it as secret: in a path, as a bare query string, in a filter.
    const stray = generateApiToken();
    secrets['token in a path or a bare query'] = stray;
    await raw(`${base}/oauth/tenant/acme/token/${stray}`, { method: 'POST' });
    await raw(`${base}/api/org?${stray}`, { headers: { Accept: XML_37 } });
    await raw(`${base}/api/query?type=vm&filter=name==${stray}`, { headers: { ...bearer(alice), Accept: XML_37 } });
    // A client that hangs up in the middle of its body: its own doing, never logged as a store outage.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /oauth/tenant/acme/token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        socket.write('Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngra');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
      socket.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 300));

    child.kill('SIGTERM');
    await exited;
    assert.doesNotMatch(output, /store unavailable/, 'an aborted upload is not a store outage');
    const logLines = output.split('\n').filter((l) => l.startsWith('{')).length;
    // One `request completed` line per request (--request-log all; fastify's own pair of lines is off), plus start-up.
    assert.ok(logLines > 15, `the server did log at level trace (${logLines} lines)`);

    const leaks = Object.entries(secrets).filter(([, s]) => s && output.includes(s));
    assert.deepEqual(
      leaks.map(([name]) => name),
      [],
      'secrets found in the server output',
    );
    assert.deepEqual(findApiTokens(output), [], 'no API token (the scanner finds none)');
    for (const token of [secrets['api token']!, secrets['unknown token']!]) {
      assert.ok(!output.includes(token.slice(4, 20)) && !output.includes(token.slice(16)), 'not even part of one beyond the display start');
    }
    assert.match(output, /refresh_token=\[redacted\]/, 'the query-string exchange was logged, with the token taken out');

    const db = new Database(join(dataDir, 'tessera.db'), { readonly: true });
    try {
      const audit = JSON.stringify(db.prepare('select * from audit_events').all());
      assert.ok(audit.length > 100);
      const inAudit = Object.entries(secrets).filter(([, s]) => s && audit.includes(s));
      assert.deepEqual(
        inAudit.map(([name]) => name),
        [],
        'secrets found in the audit table',
      );
      const tokens = JSON.stringify(db.prepare('select * from api_tokens').all());
      assert.ok(!tokens.includes(secrets['api token']!), 'the API token is stored only as a hash');
    } finally {
      db.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
