/**
 * Sign-in on the cloudapi (issue 2 items 5 and 7; vcd-wire §1.2, §3.1-3.2, §7): tenant and provider sessions,
 * the access-token headers, the Session JSON, every accepted way of presenting the token, sign-out, and the
 * one 401 for every bad credential (no oracle).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { basic, bearer, createApiToken, http, signIn } from '../../helpers/api.js';
import { JSON_37, createUser, raw, signInReply } from '../../security/support.js';
import { SYSTEM_ORG_ID } from '../../../src/domain/rights.js';

let t: TesseraHandle;
let base: string;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  base = t.baseUrl;
});
after(async () => {
  await t?.stop();
});

const current = (headers: Record<string, string | string[]>) => raw(`${base}/cloudapi/1.0.0/sessions/current`, { headers });

describe('tenant and provider sign-in', () => {
  test('alice@acme at /sessions: 200, the access token headers, the Session JSON', async () => {
    const res = await signInReply(base, 'alice', 'acme', t.demoPassword);
    assert.equal(res.status, 200, res.text);
    const token = res.headers.get('x-vmware-vcloud-access-token')!;
    assert.ok(token.length > 32, 'longer than 32 characters: clients tell JWTs from legacy ids by length');
    assert.equal(res.headers.get('x-vmware-vcloud-token-type'), 'Bearer');
    // Fastify normalises the parameters (`application/json; version="37.0"; charset=utf-8`): same media type.
    assert.match(res.headers.get('content-type') ?? '', /^application\/json;\s*version="?37\.0"?/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('x-vmware-vcloud-request-id') ?? '', new RegExp(`^${UUID}$`));
    const s = res.json();
    assert.match(s.id, new RegExp(`^urn:vcloud:session:${UUID}$`));
    assert.equal(s.user.name, 'alice');
    assert.match(s.user.id, new RegExp(`^urn:vcloud:user:${UUID}$`));
    assert.equal(s.org.name, 'acme');
    assert.match(s.org.id, new RegExp(`^urn:vcloud:org:${UUID}$`));
    const orgUuid = s.org.id.slice('urn:vcloud:org:'.length);
    assert.match(s.site.id, new RegExp(`^urn:vcloud:site:${UUID}$`));
    assert.equal(s.location, `${orgUuid}@${s.site.id.slice('urn:vcloud:site:'.length)}`);
    assert.deepEqual(s.roles, ['Organization Administrator']);
    assert.equal(s.roleRefs.length, 1);
    assert.equal(s.roleRefs[0].name, 'Organization Administrator');
    assert.match(s.roleRefs[0].id, new RegExp(`^urn:vcloud:role:${UUID}$`));
    assert.equal(s.sessionIdleTimeoutMinutes, 30);
    // The same session at /sessions/current.
    const cur = await current(bearer(token));
    assert.equal(cur.status, 200);
    assert.deepEqual(cur.json(), s);
  });

  test('bob (vApp Author) signs in too; the trailing slash form of the URL works', async () => {
    const res = await http(`${base}/cloudapi/1.0.0/sessions/`, {
      method: 'POST',
      headers: { Authorization: basic('bob', 'acme', t.demoPassword), Accept: 'application/*;version=37.0' },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().roles, ['vApp Author']);
  });

  test('administrator@System at /sessions/provider (System in any case)', async () => {
    for (const org of ['System', 'system', 'SYSTEM']) {
      const res = await http(`${base}/cloudapi/1.0.0/sessions/provider`, {
        method: 'POST',
        headers: { Authorization: basic('administrator', org, t.adminPassword), Accept: JSON_37 },
      });
      assert.equal(res.status, 200, `${org}: ${res.text}`);
      const s = res.json();
      assert.equal(s.org.name, 'System');
      assert.equal(s.org.id, `urn:vcloud:org:${SYSTEM_ORG_ID}`);
      assert.deepEqual(s.roles, ['System Administrator']);
      assert.ok(res.headers.get('x-vmware-vcloud-access-token')!.length > 32);
    }
  });

  test('a tenant user at /sessions/provider and the administrator at /sessions are both 401', async () => {
    const tenantAtProvider = await http(`${base}/cloudapi/1.0.0/sessions/provider`, {
      method: 'POST',
      headers: { Authorization: basic('alice', 'acme', t.demoPassword), Accept: JSON_37 },
    });
    assert.equal(tenantAtProvider.status, 401);
    assert.equal(tenantAtProvider.headers.get('x-vmware-vcloud-access-token'), null);
    const providerAtTenant = await http(`${base}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('administrator', 'System', t.adminPassword), Accept: JSON_37 },
    });
    assert.equal(providerAtTenant.status, 401);
    assert.equal(providerAtTenant.headers.get('x-vmware-vcloud-access-token'), null);
  });
});

describe('presenting the access token', () => {
  let token: string;
  before(async () => {
    token = await signIn(base, 'alice', 'acme', t.demoPassword);
  });

  test('Authorization: Bearer in any case of the scheme', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await current({ Authorization: `${scheme} ${token}`, Accept: JSON_37 });
      assert.equal(res.status, 200, scheme);
      assert.equal(res.json().user.name, 'alice');
    }
  });

  test('X-VMWARE-VCLOUD-ACCESS-TOKEN alone, and govcd\u2019s triple', async () => {
    assert.equal((await current({ 'X-VMWARE-VCLOUD-ACCESS-TOKEN': token, Accept: JSON_37 })).status, 200);
    assert.equal((await current({ 'x-vmware-vcloud-access-token': token })).status, 200, 'no Accept at all');
    const triple = await current({
      Authorization: `bearer ${token}`,
      'X-Vmware-Vcloud-Access-Token': token,
      'X-Vmware-Vcloud-Token-Type': 'Bearer',
      Accept: 'application/json;version=37.0',
    });
    assert.equal(triple.status, 200);
  });

  test('CSI-old\u2019s two Authorization headers: the first one counts', async () => {
    const res = await current({ Authorization: [`Bearer ${token}`, `bearer Bearer ${token}`], Accept: JSON_37 });
    assert.equal(res.status, 200);
  });

  test('no token, a wrong token, a short token, Basic, or an API token as a bearer: 401 in the cloudapi envelope', async () => {
    const { apiToken } = await createApiToken(base, token, 'acme', `as-bearer-${Date.now()}`);
    const cases: Record<string, Record<string, string>> = {
      none: {},
      garbage: { Authorization: 'Bearer not.a.jwt' },
      tampered: { Authorization: `Bearer ${token.slice(0, -2)}${token.endsWith('A') ? 'BB' : 'AA'}` },
      short: { Authorization: 'Bearer 0123456789abcdef0123456789abcdef' },
      basic: { Authorization: basic('alice', 'acme', t.demoPassword) },
      apiToken: { Authorization: `Bearer ${apiToken}` },
      apiTokenInVcdHeader: { 'X-VMWARE-VCLOUD-ACCESS-TOKEN': apiToken },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const res = await current({ ...headers, Accept: JSON_37 });
      assert.equal(res.status, 401, name);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, name);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['message', 'minorErrorCode', 'stackTrace'], name);
      assert.equal(body.minorErrorCode, 'UNAUTHORIZED', name);
      assert.equal(body.stackTrace, null, name);
      assert.ok(!res.text.includes(token) && !res.text.includes(apiToken), `${name}: no token echoed`);
    }
  });

  test('GET /sessions/{id} and /sessions list show only the caller\u2019s own session; another id is 403', async () => {
    const me = (await current(bearer(token))).json();
    const byId = await http(`${base}/cloudapi/1.0.0/sessions/${me.id}`, { headers: bearer(token) });
    assert.equal(byId.status, 200);
    assert.equal(byId.json().id, me.id);
    const other = await http(`${base}/cloudapi/1.0.0/sessions/urn:vcloud:session:00000000-0000-4000-8000-000000000000`, {
      headers: bearer(token),
    });
    assert.equal(other.status, 403);
    assert.equal(other.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    const list = await http(`${base}/cloudapi/1.0.0/sessions`, { headers: bearer(token) });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json().values.map((s: { id: string }) => s.id),
      [me.id],
    );
    // A password session was not made from an API token.
    const fromToken = await http(`${base}/cloudapi/1.0.0/sessions/${me.id}/token`, { headers: bearer(token) });
    assert.equal(fromToken.status, 404);
  });
});

describe('sign-out', () => {
  test('DELETE /sessions/current: 204, then the token gets 401 on its next request', async () => {
    const token = await signIn(base, 'alice', 'acme', t.demoPassword);
    const other = await signIn(base, 'alice', 'acme', t.demoPassword);
    const del = await http(`${base}/cloudapi/1.0.0/sessions/current`, { method: 'DELETE', headers: bearer(token) });
    assert.equal(del.status, 204);
    assert.equal((await current(bearer(token))).status, 401);
    assert.equal((await current({ 'X-VMWARE-VCLOUD-ACCESS-TOKEN': token })).status, 401);
    assert.equal((await current(bearer(other))).status, 200, 'only that session ended');
    const again = await http(`${base}/cloudapi/1.0.0/sessions/current`, { method: 'DELETE', headers: bearer(token) });
    assert.equal(again.status, 401);
  });

  test('DELETE /sessions/{id} and govcd\u2019s DELETE /sessions (Disconnect) end the caller\u2019s session', async () => {
    const a = await signIn(base, 'bob', 'acme', t.demoPassword);
    const id = (await current(bearer(a))).json().id;
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/${id}`, { method: 'DELETE', headers: bearer(a) })).status, 204);
    assert.equal((await current(bearer(a))).status, 401);
    const b = await signIn(base, 'bob', 'acme', t.demoPassword);
    const disconnect = await http(`${base}/cloudapi/1.0.0/sessions`, {
      method: 'DELETE',
      headers: { ...bearer(b, 'application/xml;version=37.0') },
    });
    assert.equal(disconnect.status, 204);
    assert.equal((await current(bearer(b))).status, 401);
    // The provider's login URL too (govcd's Disconnect of a System administrator): until 2026-12-06 a 403, and the
    // session stayed alive.
    const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
    const providerDisconnect = await http(`${base}/cloudapi/1.0.0/sessions/provider`, {
      method: 'DELETE',
      headers: { ...bearer(admin, 'application/xml;version=37.0') },
    });
    assert.equal(providerDisconnect.status, 204, providerDisconnect.text);
    assert.equal((await current(bearer(admin))).status, 401);
  });
});

describe('no oracle: one 401 for every bad credential', () => {
  test('bad password, unknown user, unknown org, disabled user, wrong endpoint, malformed Basic: identical answers', async () => {
    const alice = await signIn(base, 'alice', 'acme', t.demoPassword);
    const disabled = await createUser(base, alice, { role: 'vApp User' });
    const put = await http(`${base}/cloudapi/1.0.0/users/${disabled.id}`, {
      method: 'PUT',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    assert.equal(put.status, 200, put.text);
    // The disabled user's password is right; it must not make a difference.
    const attempts: Record<string, () => Promise<import('../../helpers/api.js').Reply>> = {
      'bad password': () => signInReply(base, 'alice', 'acme', 'wrong-password-1'),
      'unknown user': () => signInReply(base, 'nobody', 'acme', t.demoPassword),
      'unknown org': () => signInReply(base, 'alice', 'nosuchorg', t.demoPassword),
      'disabled user': () => signInReply(base, disabled.name, 'acme', disabled.password),
      'user of another org': () => signInReply(base, 'hank', 'acme', t.demoPassword),
      'empty password': () => signInReply(base, 'alice', 'acme', ''),
      'malformed Basic': () =>
        http(`${base}/cloudapi/1.0.0/sessions`, { method: 'POST', headers: { Authorization: 'Basic !!!', Accept: JSON_37 } }),
      'no @org': () =>
        http(`${base}/cloudapi/1.0.0/sessions`, {
          method: 'POST',
          headers: { Authorization: 'Basic ' + Buffer.from(`alice:${t.demoPassword}`).toString('base64'), Accept: JSON_37 },
        }),
      'no Authorization': () => http(`${base}/cloudapi/1.0.0/sessions`, { method: 'POST', headers: { Accept: JSON_37 } }),
    };
    const answers: Array<[string, string]> = [];
    for (const [name, attempt] of Object.entries(attempts)) {
      const res = await attempt();
      assert.equal(res.status, 401, `${name}: ${res.text}`);
      assert.equal(res.headers.get('x-vmware-vcloud-access-token'), null, name);
      answers.push([name, JSON.stringify([res.text, res.headers.get('content-type'), res.headers.get('www-authenticate')])]);
    }
    const [first] = answers;
    for (const [name, answer] of answers) assert.equal(answer, first![1], `"${name}" answers like "${first![0]}"`);
    assert.deepEqual(JSON.parse(JSON.parse(first![1])[0]), {
      minorErrorCode: 'UNAUTHORIZED',
      message: 'Invalid credentials',
      stackTrace: null,
    });
  });
});
