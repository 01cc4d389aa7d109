/**
 * User names through every door that creates a user (src/domain/user-name.ts, applied once in UserService.create):
 * the cloudapi JSON, VCD's XML admin API and the portal's form all refuse a name that could never sign in or
 * that looks like another one (control, bidi and invisible characters, surrounding whitespace, NFKC
 * compatibility forms), with their own 400, and accept letters of any script and an `@` after the first character.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, bearer, http, signIn } from '../helpers/api.js';
import { XML_ACCEPT, xmlError } from './legacy/support.js';
import { PortalClient } from '../portal/portal-client.js';

const API = '/cloudapi/1.0.0';
const PASSWORD = 'User-Password-1234';

/** Refused names, and what the message must name. */
const REFUSED: Array<[string, RegExp]> = [
  ['tab\tname', /control characters \(it holds U\+0009\)/],
  ['new\nline', /control characters \(it holds U\+000A\)/],
  ['esc\u001bname', /control characters \(it holds U\+001B\)/],
  ['del\u007fname', /control characters/],
  ['nel\u0085name', /control characters \(it holds U\+0085\)/],
  ['rlo\u202Eeman', /bidirectional text controls \(it holds U\+202E\)/],
  ['lre\u202Ax', /bidirectional/],
  ['isolate\u2066x\u2069', /bidirectional \S+ \S+ \(it holds U\+2066\)/],
  ['lrm\u200Ex', /bidirectional/],
  ['rlm\u200Fx', /bidirectional/],
  ['zw\u200Bsp', /zero-width or other invisible characters \(it holds U\+200B\)/],
  ['zwnj\u200Cx', /invisible/],
  ['zwj\u200Dx', /invisible/],
  ['word\u2060joiner', /invisible/],
  ['\uFEFFbom', /invisible \S+ \(it holds U\+FEFF\)/],
  [' lead', /start or end with a space/],
  ['trail ', /start or end with a space/],
  ['\u00A0nbsp', /start or end with a space or other whitespace \(it holds U\+00A0\)/],
  ['nbsp\u00A0', /start or end .*U\+00A0/],
  ['ideographic\u3000', /start or end .*U\+3000/],
  ['em\u2003', /start or end .*U\+2003/],
  ['in\u00A0side', /whitespace other than the plain space U\+0020 \(it holds U\+00A0\)/],
  ['\uFF41lice', /normalization form NFKC.*\(write "alice"\)/],
  ['\uFB01le', /NFKC.*\(write "file"\)/],
  ['jose\u0301', /NFKC.*\(write "jos\u00E9"\)/],
  ['@first', /must not start with "@" \(an "@" later in the name is fine\)/],
  ['a/b', /must not contain any of \/ \\ : \* \? " < > \|/],
];

/** Names that stay accepted: letters of any script, a space inside, an `@` after the first character. */
const ACCEPTED = [
  '\u0131\u015F\u0131k',
  'Jos\u00E9',
  '\u5C71\u7530\u592A\u90CE',
  'jane@example.com',
  'anne marie',
  '\u0645\u0631\u064A\u0645',
];

describe('user names', () => {
  let t: TesseraHandle;
  let alice: string;
  let roleId: string;
  let roleHref: string;
  let acmeId: string;

  before(async () => {
    t = await startTessera();
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    const roles = await http(`${t.baseUrl}${API}/roles`, { headers: bearer(alice) });
    roleId = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!.id;
    acmeId = (await t.store.getOrgByName('acme'))!.id;
    roleHref = `${t.baseUrl}/api/admin/role/${roleId.split(':').pop()}`;
  });
  after(async () => {
    await t?.stop();
  });

  const createJson = (username: string) =>
    http(`${t.baseUrl}${API}/users`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, roleEntityRefs: [{ id: roleId }] }),
    });

  const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const createXml = (name: string) =>
    http(`${t.baseUrl}/api/admin/org/${acmeId}/users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, Accept: XML_ACCEPT, 'Content-Type': 'application/vnd.vmware.admin.user+xml' },
      body:
        `<User xmlns="http://www.vmware.com/vcloud/v1.5" name="${xmlAttr(name)}"><IsEnabled>true</IsEnabled>` +
        `<Role href="${roleHref}"/><Password>${PASSWORD}</Password></User>`,
    });

  const userCount = async () => (await t.store.listUsers(acmeId)).length;

  test('cloudapi POST /users: each bad name is a 400 naming the problem, and no user is made', async () => {
    const before = await userCount();
    for (const [name, message] of REFUSED) {
      const r = await createJson(name);
      assert.equal(r.status, 400, `${JSON.stringify(name)}: ${r.status} ${r.text}`);
      assert.equal(r.json().minorErrorCode, 'BAD_REQUEST', JSON.stringify(name));
      assert.match(r.json().message, message, JSON.stringify(name));
    }
    assert.equal(await userCount(), before);
  });

  test('the XML admin API refuses them too, with VCD\u2019s XML Error', async () => {
    const before = await userCount();
    // Characters an XML 1.0 document can carry raw (ESC and the other C0 controls cannot: see xml-input), and not
    // at either end: the XML reader trims attribute values (String.prototype.trim, NBSP and BOM included).
    const xmlLegal = REFUSED.filter(([name]) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(name) && name.trim() === name);
    assert.ok(xmlLegal.length >= 15, `${xmlLegal.length}`);
    for (const [name, message] of xmlLegal) {
      const r = await createXml(name);
      assert.match(xmlError(r, 400, 'BAD_REQUEST'), message, JSON.stringify(name));
    }
    assert.equal(await userCount(), before);
  });

  test('the portal\u2019s New user form answers its 400 page with the message', async () => {
    const admin = new PortalClient(t.server.app);
    await admin.signIn('/provider', 'administrator', t.adminPassword);
    const before = await userCount();
    for (const [name, message] of [
      ['\uFF41lice', /NFKC/],
      ['zw\u200Bsp', /invisible/],
      ['rlo\u202Eeman', /bidirectional/],
    ] as const) {
      const form = await admin.submit('/provider/administration/users/new?org=acme', '/provider/administration/users', {
        org: 'acme',
        name,
        role: roleId.split(':').pop()!,
        password: PASSWORD,
        confirmPassword: PASSWORD,
      });
      assert.equal(form.statusCode, 400, `${JSON.stringify(name)}: ${form.statusCode}`);
      assert.match(form.body, message);
    }
    assert.equal(await userCount(), before);
  });

  test('letters of any script and a later "@" are accepted, and such a user signs in with Basic auth', async () => {
    for (const name of ACCEPTED) {
      const r = await createJson(name);
      assert.equal(r.status, 201, `${JSON.stringify(name)}: ${r.text}`);
      assert.equal(r.json().username, name);
    }
    const r = await createXml('\u00C7elik@example.com');
    assert.equal(r.status, 201, r.text);
    const session = await http(`${t.baseUrl}${API}/sessions`, {
      method: 'POST',
      headers: { Authorization: basic('jane@example.com', 'acme', PASSWORD), Accept: 'application/json;version=37.0' },
    });
    assert.equal(session.status, 200, session.text);
  });
});
