/**
 * Text the server stores must be what the client meant, or refused: a body that is not UTF-8, a JSON string that
 * holds a lone surrogate, and names with characters that hide or reorder what lists and the audit trail show
 * (controls, bidi controls, invisible characters) are 400s that change nothing. Until 2026-12-05 the first two
 * were stored altered (U+FFFD) and the names were kept as sent in JSON while the XML API dropped their controls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';

let t: TesseraHandle;
let alice: string;

before(async () => {
  t = await startTessera();
  alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
});
after(async () => t?.stop());

const post = (path: string, body: string | Uint8Array, contentType = 'application/json') =>
  http(`${t.baseUrl}${path}`, { method: 'POST', headers: { ...bearer(alice), 'Content-Type': contentType }, body });

const groupCount = async () => (await t.store.listGroups((await t.store.getOrgByName('acme'))!.id)).length;
/** A group's body with the role every group must have (vApp Author), so that only the name decides. */
const groupBody = async (name: string) => {
  const acmeId = (await t.store.getOrgByName('acme'))!.id;
  const role = (await t.store.listRoles(acmeId)).find((r) => r.name === 'vApp Author')!;
  return JSON.stringify({ name, roleEntityRefs: [{ id: `urn:vcloud:role:${role.id}` }] });
};

test('a JSON body that is not UTF-8 is a 400, not a name with U+FFFD in it', async () => {
  const before = await groupCount();
  const latin1 = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
  const reply = await post('/cloudapi/1.0.0/groups', latin1);
  assert.equal(reply.status, 400, reply.text);
  assert.match(reply.json().message, /not valid UTF-8/);
  assert.equal(await groupCount(), before);
});

test('a JSON body that gives a key twice is a 400 that stores nothing, not the last value taken', async () => {
  const before = await groupCount();
  const reply = await post('/cloudapi/1.0.0/groups', '{"name":"first","name":"second","providerType":"INTEGRATED"}');
  assert.equal(reply.status, 400, reply.text);
  assert.match(reply.json().message, /"name" twice/);
  assert.equal(await groupCount(), before);
});

test('an XML body that is not UTF-8 is a 400 too', async () => {
  const acmeId = (await t.store.getOrgByName('acme'))!.id;
  const body = Buffer.concat([
    Buffer.from(`<User xmlns="http://www.vmware.com/vcloud/v1.5" name="z`),
    Buffer.from([0xff]),
    Buffer.from('"><Password>Long-enough-pass-1</Password></User>'),
  ]);
  const reply = await http(`${t.baseUrl}/api/admin/org/${acmeId}/users`, {
    method: 'POST',
    headers: { ...bearer(alice), 'Content-Type': 'application/vnd.vmware.admin.user+xml', Accept: 'application/*+xml;version=36.1' },
    body,
  });
  assert.equal(reply.status, 400, reply.text);
  assert.match(reply.text, /not valid UTF-8/);
});

test('a body sent as text/plain is held to the same rules: not UTF-8 is a 400 that stores nothing, and 64 KiB at most', async () => {
  // Until 2026-12-05 fastify's own text/plain parser decoded such bytes to U+FFFD: a registration was stored as
  // "n\uFFFDw", an XML document's values too; and it took the server's 256 KiB.
  const acmeId = (await t.store.getOrgByName('acme'))!.id;
  const tokenRows = async () => (await t.store.db.selectFrom('api_tokens').select('id').execute()).length;
  const tokensBefore = await tokenRows();
  const register = await post(
    '/oauth/tenant/acme/register',
    Buffer.concat([Buffer.from('{"client_name":"n'), Buffer.from([0xe9]), Buffer.from('w"}')]),
    'text/plain',
  );
  assert.equal(register.status, 400, register.text);
  assert.match(register.text, /not valid UTF-8/);
  const metadata = await http(`${t.baseUrl}/api/admin/org/${acmeId}/users`, {
    method: 'POST',
    headers: { ...bearer(alice), 'Content-Type': 'text/plain', Accept: 'application/*+xml;version=36.1' },
    body: Buffer.concat([Buffer.from(`<User xmlns="http://www.vmware.com/vcloud/v1.5" name="z`), Buffer.from([0xff]), Buffer.from('"/>')]),
  });
  assert.equal(metadata.status, 400, metadata.text);
  assert.match(metadata.text, /not valid UTF-8/);
  const large = await post('/oauth/tenant/acme/token', `grant_type=refresh_token&x=${'a'.repeat(70 * 1024)}`, 'text/plain');
  assert.equal(large.status, 413, large.text);
  assert.equal(await tokenRows(), tokensBefore);
});

test('a lone surrogate in a JSON string (a key or a value) is a 400', async () => {
  const before = await groupCount();
  for (const body of ['{"name":"a\\ud800b"}', '{"name":"ok","\\udc00":1}']) {
    const reply = await post('/cloudapi/1.0.0/groups', body);
    assert.equal(reply.status, 400, `${body}: ${reply.text}`);
    assert.match(reply.json().message, /lone surrogate/);
  }
  // A pair is a character like any other.
  const paired = await post('/cloudapi/1.0.0/groups', await groupBody(`team-\u{1F680}`));
  assert.equal(paired.status, 201, paired.text);
  assert.equal(await groupCount(), before + 1);
});

test('names with a control, a bidi control or an invisible character are refused, in roles, groups, users and tokens', async () => {
  const hidden = ['\u202Eevil', 'zero\u200Bwidth', 'esc\u001b[31m', 'c1\u0085x'];
  for (const name of hidden) {
    const group = await post('/cloudapi/1.0.0/groups', await groupBody(name));
    assert.equal(group.status, 400, `group ${JSON.stringify(name)}: ${group.text}`);
    const role = await post('/cloudapi/1.0.0/roles', JSON.stringify({ name, description: '', rights: [] }));
    assert.equal(role.status, 400, `role ${JSON.stringify(name)}: ${role.text}`);
    const token = await http(`${t.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: name }),
    });
    assert.equal(token.status, 400, `token ${JSON.stringify(name)}: ${token.text}`);
    assert.equal(token.json().minorErrorCode, 'invalid_request');
  }
  const bob = (await t.store.getUserByName((await t.store.getOrgByName('acme'))!.id, 'bob'))!;
  const put = await http(`${t.baseUrl}/cloudapi/1.0.0/users/urn:vcloud:user:${bob.id}`, {
    method: 'PUT',
    headers: { ...bearer(alice), 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'bob', fullName: 'Bob \u202EredliuB' }),
  });
  assert.equal(put.status, 400, put.text);
  assert.match(put.json().message, /fullName must not contain bidirectional text controls/);
  assert.equal((await t.store.getUser(bob.id))!.full_name, bob.full_name, 'unchanged');
  // Letters of every script, and emoji, stay accepted.
  const fine = await post('/cloudapi/1.0.0/groups', await groupBody('Équipe ıstanbul 東京 \u{1F680}'));
  assert.equal(fine.status, 201, fine.text);
});
