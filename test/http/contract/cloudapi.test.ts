/**
 * The declared contract of /cloudapi (src/http/cloudapi/schemas.ts): malformed input is 400 BAD_REQUEST in the
 * cloudapi envelope before any handler runs (nothing changes), VCD's leniencies hold (unknown query parameters,
 * a repeated list parameter counts once, whole entities PUT back), and real answers match the response schemas.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { bearer, http, signIn } from '../../helpers/api.js';
import { signInReply } from '../../security/support.js';
import { SessionEntity, TokenPolicy, TotpStatus } from '../../../src/http/cloudapi/schemas.js';
import { JsonErrorEnvelope } from '../../../src/http/contract/common.js';
import { assertConforms } from './support.js';

let t: TesseraHandle;
let alice: string;
let acmeId: string;
before(async () => {
  t = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
  acmeId = (await http(`${t.baseUrl}/cloudapi/1.0.0/sessions/current`, { headers: bearer(alice) })).json().org.id;
});
after(() => t.stop());

const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  http(`${t.baseUrl}${path}`, {
    method,
    headers: { ...bearer(alice), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

function assertBadRequest(res: { status: number; text: string; json(): any }, label: string) {
  assert.equal(res.status, 400, `${label}: ${res.text}`);
  assertConforms(JsonErrorEnvelope, res.json(), label);
  assert.equal(res.json().minorErrorCode, 'BAD_REQUEST', label);
}

test('mistyped list parameters are 400; unknown ones are ignored; a repeated one counts once', async () => {
  assertBadRequest(await call('GET', '/cloudapi/1.0.0/users?page=abc'), 'page=abc');
  assertBadRequest(await call('GET', `/cloudapi/1.0.0/tokens?filter=${'a'.repeat(5000)}`), 'long filter');
  const unknown = await call('GET', '/cloudapi/1.0.0/users?cacheBuster=1&links=true');
  assert.equal(unknown.status, 200, unknown.text);
  const repeated = await call('GET', '/cloudapi/1.0.0/users?filter=name==alice&filter=name==nobody&pageSize=5&pageSize=x');
  assert.equal(repeated.status, 200, repeated.text);
  assert.deepEqual(
    repeated.json().values.map((u: { username: string }) => u.username),
    ['alice'],
  );
});

test('mistyped bodies are 400 and change nothing', async () => {
  const policyPath = `/cloudapi/1.0.0/orgs/${acmeId}/apiTokenPolicy`;
  const before = (await call('GET', policyPath)).json();
  for (const [label, body] of [
    ['a string', { maxLifetimeDays: '90 days' }],
    ['a fraction', { maxLifetimeDays: 1.5 }],
    ['zero', { maxLifetimeDays: 0 }],
    ['too many days', { maxLifetimeDays: 100000 }],
    ['missing', {}],
    ['an array', [1]],
  ] as const) {
    assertBadRequest(await call('PUT', policyPath, body), `policy: ${label}`);
  }
  assert.deepEqual((await call('GET', policyPath)).json(), before);
  const users = (await call('GET', '/cloudapi/1.0.0/users?pageSize=128')).json().resultTotal;
  assertBadRequest(await call('POST', '/cloudapi/1.0.0/users', { username: ['x'], password: 'p' }), 'username as an array');
  assertBadRequest(await call('POST', '/cloudapi/1.0.0/users', { username: 'x'.repeat(500), password: 'p' }), 'long username');
  assertBadRequest(await call('POST', '/cloudapi/1.0.0/users', { username: 'x', roleEntityRefs: [{ id: 'a' }, { id: 'b' }] }), 'two roles');
  assertBadRequest(await call('POST', '/cloudapi/1.0.0/groups', { name: { $gt: '' } }), 'group name as an object');
  assertBadRequest(await call('POST', '/cloudapi/1.0.0/users/current/totp/confirm', { code: 123456789012345678 }), 'TOTP code too long');
  assert.equal((await call('GET', '/cloudapi/1.0.0/users?pageSize=128')).json().resultTotal, users);
});

test('a whole entity sent back (govcd) is accepted: unknown and read-only fields are ignored', async () => {
  const me = (await call('GET', '/cloudapi/1.0.0/users?filter=username==alice')).json().values[0];
  const res = await call('PUT', `/cloudapi/1.0.0/users/${me.id}`, { ...me, fullName: 'Alice Contract', href: 'x', vendorField: { a: 1 } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().fullName, 'Alice Contract');
});

test('real answers match the declared response schemas: sign-in, current session, token policy, TOTP status', async () => {
  const signedIn = await signInReply(t.baseUrl, 'alice', 'acme', t.demoPassword);
  assertConforms(SessionEntity, signedIn.json(), 'sign-in');
  assertConforms(SessionEntity, (await call('GET', '/cloudapi/1.0.0/sessions/current')).json(), 'current session');
  assertConforms(TokenPolicy, (await call('GET', `/cloudapi/1.0.0/orgs/${acmeId}/apiTokenPolicy`)).json(), 'token policy');
  assertConforms(TotpStatus, (await call('GET', '/cloudapi/1.0.0/users/current/totp')).json(), 'TOTP status');
  assert.throws(() => assertConforms(SessionEntity, { ...signedIn.json(), extra: 1 }, 'x'), 'an undeclared field is caught');
});

test('the probes answer exactly their declared one-field bodies', async () => {
  for (const [path, status] of [
    ['/health', 'ok'],
    ['/health/live', 'live'],
    ['/health/ready', 'ready'],
  ] as const) {
    const res = await http(`${t.baseUrl}${path}?cacheBuster=1`);
    assert.equal(res.status, 200, path);
    assert.deepEqual(res.json(), { status });
  }
});
