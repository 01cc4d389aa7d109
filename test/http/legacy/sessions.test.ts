/**
 * Legacy sessions (vcd-wire §3.3-3.4, §8): `POST /api/sessions` (and `/api/login`) answering Session XML with the
 * 32-hex `x-vcloud-authorization` id and the Bearer headers, `GET /api/session` (pyvcloud's rehydrate) with
 * either credential, `DELETE /api/session`, and errors as VCD's XML <Error>.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { basic, http, signIn } from '../../helpers/api.js';
import { XML_37, createUser, raw, withoutRequestId } from '../../security/support.js';
import { SYSTEM_ORG_ID } from '../../../src/domain/rights.js';

let t: TesseraHandle;
let base: string;
before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  base = t.baseUrl;
});
after(async () => {
  await t?.stop();
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (n) => n === 'Link' });

const legacySignIn = (user: string, org: string, password: string, accept = XML_37, path = '/api/sessions') =>
  http(`${base}${path}`, { method: 'POST', headers: { Authorization: basic(user, org, password), Accept: accept } });

function parseError(text: string) {
  const e = parser.parse(text).Error;
  assert.ok(e, `an <Error> document: ${text}`);
  assert.equal(e['@_xmlns'], 'http://www.vmware.com/vcloud/v1.5');
  return e as Record<string, string>;
}

test('POST /api/sessions: Session XML, a 32-hex x-vcloud-authorization and the Bearer headers', async () => {
  const res = await legacySignIn('alice', 'acme', t.demoPassword);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'application/vnd.vmware.vcloud.session+xml;version=37.0');
  assert.match(res.headers.get('x-vcloud-authorization') ?? '', /^[0-9a-f]{32}$/);
  assert.ok(res.headers.get('x-vmware-vcloud-access-token')!.length > 32);
  assert.equal(res.headers.get('x-vmware-vcloud-token-type'), 'Bearer');
  const session = parser.parse(res.text).Session;
  assert.equal(session['@_xmlns'], 'http://www.vmware.com/vcloud/v1.5');
  assert.equal(session['@_user'], 'alice');
  assert.equal(session['@_org'], 'acme');
  assert.equal(session['@_roles'], 'Organization Administrator');
  assert.match(session['@_userId'], /^urn:vcloud:user:[0-9a-f-]{36}$/);
  assert.match(session['@_locationId'], /^[0-9a-f-]{36}@[0-9a-f-]{36}$/);
  assert.equal(session['@_href'], `${base}/api/session`);
  assert.equal(session['@_type'], 'application/vnd.vmware.vcloud.session+xml');
  const links = session.Link as Array<Record<string, string>>;
  const has = (rel: string, type?: string) => links.some((l) => l['@_rel'] === rel && (type === undefined || l['@_type'] === type));
  assert.ok(has('down', 'application/vnd.vmware.vcloud.orgList+xml'));
  assert.ok(has('remove'));
  assert.ok(has('down', 'application/vnd.vmware.vcloud.query.queryList+xml'));
  assert.ok(has('openapi', 'application/json'));
  // An Organization Administrator's Session links the admin VCloud document, as VCD's does (vcd-wire §3.3), and
  // pyvcloud's Client.get_admin() follows it; the link is there exactly when GET /api/admin answers.
  assert.ok(has('down', 'application/vnd.vmware.admin.vcloud+xml'), 'the admin link for an org administrator');
  // pyvcloud requires one Link per rel+type.
  const keys = links.map((l) => `${l['@_rel']}|${l['@_type'] ?? ''}|${l['@_name'] ?? ''}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(session.AuthorizedLocations.Location.OrgName, 'acme');
});

test('the admin link is there exactly for whoever may read GET /api/admin: not for a Console Access Only user', async () => {
  const alice = await signIn(base, 'alice', 'acme', t.demoPassword);
  const carol = await createUser(base, alice, { role: 'Console Access Only' });
  for (const [user, password, wantLink] of [
    ['alice', t.demoPassword, true],
    [carol.name, carol.password, false],
  ] as const) {
    const res = await legacySignIn(user, 'acme', password);
    assert.equal(res.status, 200, res.text);
    const links = parser.parse(res.text).Session.Link as Array<Record<string, string>>;
    const adminLink = links.find((l) => l['@_type'] === 'application/vnd.vmware.admin.vcloud+xml');
    assert.equal(adminLink !== undefined, wantLink, user);
    const admin = await http(`${base}/api/admin`, {
      headers: { 'x-vcloud-authorization': res.headers.get('x-vcloud-authorization')!, Accept: XML_37 },
    });
    assert.equal(admin.status, wantLink ? 200 : 403, `${user}: GET /api/admin`);
    if (adminLink) assert.equal(adminLink['@_href'], `${base}/api/admin/`);
  }
});

test('the x-vcloud-authorization id, and the Bearer, work afterwards on /api and /cloudapi', async () => {
  const res = await legacySignIn('bob', 'acme', t.demoPassword);
  const legacyId = res.headers.get('x-vcloud-authorization')!;
  const jwt = res.headers.get('x-vmware-vcloud-access-token')!;
  const viaLegacy = await raw(`${base}/api/session`, { headers: { 'x-vcloud-authorization': legacyId, Accept: XML_37 } });
  assert.equal(viaLegacy.status, 200, viaLegacy.text);
  assert.equal(parser.parse(viaLegacy.text).Session['@_user'], 'bob');
  // pyvcloud's rehydrate_from_token (vcd-cli's `login --session-id`) keeps the id from this response's header.
  assert.equal(viaLegacy.headers.get('x-vcloud-authorization'), legacyId);
  assert.equal(viaLegacy.headers.get('cache-control'), 'no-store');
  const viaBearer = await raw(`${base}/api/session`, { headers: { Authorization: `Bearer ${jwt}`, Accept: XML_37 } });
  assert.equal(viaBearer.status, 200);
  assert.equal(viaBearer.headers.get('x-vcloud-authorization'), null, 'a Bearer request is not sent a legacy id');
  const cloud = await raw(`${base}/cloudapi/1.0.0/sessions/current`, {
    headers: { 'x-vcloud-authorization': legacyId, Accept: 'application/json;version=37.0' },
  });
  assert.equal(cloud.status, 200);
  assert.equal(cloud.json().user.name, 'bob');
  for (const bad of ['0'.repeat(32), legacyId.toUpperCase(), legacyId.slice(1), 'x'.repeat(32)]) {
    const r = await raw(`${base}/api/session`, { headers: { 'x-vcloud-authorization': bad, Accept: XML_37 } });
    assert.equal(r.status, 401, bad);
  }
});

test('the System administrator signs in at /api/sessions, and /api/login is an alias', async () => {
  for (const path of ['/api/sessions', '/api/login']) {
    const res = await legacySignIn('administrator', 'System', t.adminPassword, 'application/*;version=37.0', path);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    const session = parser.parse(res.text).Session;
    assert.equal(session['@_org'], 'System');
    assert.equal(session['@_locationId'].split('@')[0], SYSTEM_ORG_ID);
    assert.ok((session.Link as Array<Record<string, string>>).some((l) => l['@_type'] === 'application/vnd.vmware.admin.vcloud+xml'));
  }
});

test('GET /api/session as pyvcloud rehydrates from a JWT; DELETE /api/session ends the session for both credentials', async () => {
  const res = await legacySignIn('alice', 'acme', t.demoPassword);
  const legacyId = res.headers.get('x-vcloud-authorization')!;
  const jwt = res.headers.get('x-vmware-vcloud-access-token')!;
  const del = await raw(`${base}/api/session`, { method: 'DELETE', headers: { 'x-vcloud-authorization': legacyId, Accept: XML_37 } });
  assert.equal(del.status, 204);
  for (const headers of [{ 'x-vcloud-authorization': legacyId }, { Authorization: `Bearer ${jwt}` }] as Array<Record<string, string>>) {
    const after = await raw(`${base}/api/session`, { headers: { ...headers, Accept: XML_37 } });
    assert.equal(after.status, 401);
    assert.equal(parseError(after.text)['@_minorErrorCode'], 'UNAUTHORIZED');
  }
  // DELETE with the Bearer works too.
  const jwt2 = (await legacySignIn('alice', 'acme', t.demoPassword)).headers.get('x-vmware-vcloud-access-token')!;
  assert.equal((await raw(`${base}/api/session`, { method: 'DELETE', headers: { Authorization: `Bearer ${jwt2}` } })).status, 204);
  assert.equal((await raw(`${base}/api/session`, { headers: { Authorization: `Bearer ${jwt2}` } })).status, 401);
});

test('/api errors are XML <Error> (JSON form on a JSON Accept); /cloudapi errors are the JSON envelope', async () => {
  const xml = await raw(`${base}/api/session`, { headers: { Accept: XML_37 } });
  assert.equal(xml.status, 401);
  assert.match(xml.headers.get('content-type') ?? '', /^application\/vnd\.vmware\.vcloud\.error\+xml;version=37\.0/);
  const e = parseError(xml.text);
  assert.equal(e['@_minorErrorCode'], 'UNAUTHORIZED');
  assert.equal(String(e['@_majorErrorCode']), '401');
  assert.match(e['@_message']!, /^\[ [0-9a-f-]{36} \] /, 'the message starts with the request id, as VCD\u2019s does');
  const json = await raw(`${base}/api/session`, { headers: { Accept: 'application/*+json;version=37.0' } });
  assert.equal(json.status, 401);
  const body = json.json();
  assert.equal(body.majorErrorCode, 401);
  assert.equal(body.minorErrorCode, 'UNAUTHORIZED');
  const cloud = await raw(`${base}/cloudapi/1.0.0/sessions/current`, { headers: { Accept: 'application/json;version=37.0' } });
  assert.deepEqual(Object.keys(cloud.json()).sort(), ['message', 'minorErrorCode', 'stackTrace']);
  const missing = await raw(`${base}/api/no-such-thing`, { headers: { Accept: XML_37 } });
  assert.equal(missing.status, 404);
  assert.equal(parseError(missing.text)['@_minorErrorCode'], 'RESOURCE_NOT_FOUND');
});

test('bad credentials at /api/sessions: one XML 401 whatever was wrong', async () => {
  const answers = new Set<string>();
  for (const [user, org, password] of [
    ['alice', 'acme', 'wrong-password'],
    ['nobody', 'acme', t.demoPassword],
    ['alice', 'nosuchorg', t.demoPassword],
  ] as const) {
    const res = await legacySignIn(user, org, password);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-vcloud-authorization'), null);
    assert.equal(parseError(res.text)['@_minorErrorCode'], 'UNAUTHORIZED');
    answers.add(withoutRequestId(res.text));
  }
  assert.equal(answers.size, 1, [...answers].join('\n'));
});

test('POST /api/sessions is gone from API 38.0 on (VCD 10.5): 406', async () => {
  const res = await legacySignIn('alice', 'acme', t.demoPassword, 'application/*+xml;version=38.0');
  assert.equal(res.status, 406);
  assert.equal(parseError(res.text)['@_minorErrorCode'], 'NOT_ACCEPTABLE');
  assert.equal(res.headers.get('x-vcloud-authorization'), null);
});
