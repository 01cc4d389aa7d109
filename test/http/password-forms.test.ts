/**
 * A password signs in however it is typed, as long as it is the same password (NIST SP 800-63B §5.1.1.2): what is
 * hashed and compared is its NFKC form (src/auth/passwords.ts). A Mac sends `Grün` decomposed (u + U+0308) where the
 * password was set on a system that sends it precomposed, and a phone's IME may send fullwidth letters. Until
 * 2026-12-06 the raw text was hashed, and those were "Invalid credentials" on every sign-in door. Hashes made from
 * the raw text still sign in, and are rehashed to the NFKC form on the first such sign-in, once.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hash, verify } from '@node-rs/argon2';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { basic, bearer, http, signIn } from '../helpers/api.js';
import { PortalClient } from '../portal/portal-client.js';
import { matchPassword, passwordProblem } from '../../src/auth/passwords.js';

const API = '/cloudapi/1.0.0';
const PRECOMPOSED = 'Gr\u00FCne-P\u00E4sse-1';
const DECOMPOSED = 'Gru\u0308ne-Pa\u0308sse-1';
/** Fullwidth `Secret-Pass-12`, as an IME may type it, and the ASCII it is the same password as. */
const FULLWIDTH = '\uFF33\uFF45\uFF43\uFF52\uFF45\uFF54-\uFF30\uFF41\uFF53\uFF53-\uFF11\uFF12';
const ASCII = 'Secret-Pass-12';

describe('passwords in another Unicode form', () => {
  let t: TesseraHandle;
  let alice: string;
  let roleId: string;

  const createUser = async (username: string, password: string) => {
    const created = await http(`${t.baseUrl}${API}/users`, {
      method: 'POST',
      headers: { ...bearer(alice), 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password, roleEntityRefs: [{ id: roleId }] }),
    });
    assert.equal(created.status, 201, created.text);
    return { id: (await t.store.getUserByName((await t.store.getOrgByName('acme'))!.id, username))!.id };
  };
  const cloudapi = (user: string, password: string) =>
    http(`${t.baseUrl}${API}/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(user, 'acme', password), Accept: 'application/json;version=37.0' },
    });
  const legacy = (user: string, password: string) =>
    http(`${t.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(user, 'acme', password), Accept: 'application/*+xml;version=36.1' },
    });
  const hashOf = async (name: string) => (await t.store.getUserByName((await t.store.getOrgByName('acme'))!.id, name))!.password_hash;

  before(async () => {
    t = await startTessera({ config: { signInFailuresPerAccount: 1000, signInFailuresPerAddress: 1000 } });
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    const roles = await http(`${t.baseUrl}${API}/roles`, { headers: bearer(alice) });
    roleId = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!.id;
  });
  after(async () => {
    await t?.stop();
  });

  test('a password set precomposed signs in typed decomposed, and the other way round, at every door', async () => {
    await createUser('umlaut-set-precomposed', PRECOMPOSED);
    await createUser('umlaut-set-decomposed', DECOMPOSED);
    for (const [user, typed] of [
      ['umlaut-set-precomposed', DECOMPOSED],
      ['umlaut-set-decomposed', PRECOMPOSED],
    ] as const) {
      assert.equal((await cloudapi(user, typed)).status, 200, `${user}, cloudapi`);
      assert.equal((await legacy(user, typed)).status, 200, `${user}, /api/sessions`);
      await new PortalClient(t.server.app).signIn('/tenant/acme', user, typed);
    }
  });

  test('a fullwidth password is the same password as its ASCII letters', async () => {
    await createUser('fullwidth-set', FULLWIDTH);
    assert.equal((await cloudapi('fullwidth-set', ASCII)).status, 200);
    assert.equal((await cloudapi('fullwidth-set', FULLWIDTH)).status, 200);
    await createUser('ascii-set', ASCII);
    assert.equal((await cloudapi('ascii-set', FULLWIDTH)).status, 200);
    assert.equal((await cloudapi('ascii-set', 'Secret-Pass-13')).status, 401, 'a different password is still wrong');
  });

  test('a hash of the raw text (made before normalization) signs in, and is rehashed to the NFKC form once', async () => {
    const { id } = await createUser('raw-hash', ASCII);
    const raw = await hash(DECOMPOSED, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await t.store.updateUser(id, { password_hash: raw });
    assert.equal((await cloudapi('raw-hash', PRECOMPOSED)).status, 401, 'the old hash knows only the text it was made from');
    assert.equal((await cloudapi('raw-hash', DECOMPOSED)).status, 200);
    const rehashed = await hashOf('raw-hash');
    assert.notEqual(rehashed, raw, 'rehashed on the sign-in');
    assert.equal(await verify(rehashed, PRECOMPOSED), true, 'the new hash is of the NFKC form');
    assert.equal(Number((await t.store.getUser(id))!.password_failures), 0);
    // Once: the next sign-ins, in either form, match the new hash as it is and write no other.
    assert.equal((await cloudapi('raw-hash', DECOMPOSED)).status, 200);
    assert.equal((await legacy('raw-hash', PRECOMPOSED)).status, 200);
    assert.equal(await hashOf('raw-hash'), rehashed);
  });

  test('a raw-text hash is not rehashed over a password changed meanwhile', async () => {
    const { id } = await createUser('raw-hash-reset', ASCII);
    const raw = await hash(FULLWIDTH, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await t.store.updateUser(id, { password_hash: raw });
    assert.equal(await matchPassword(raw, FULLWIDTH), 'legacy');
    assert.equal(await matchPassword(raw, ASCII), 'no');
    assert.equal(await matchPassword(raw, 'wrong-password-1\u0301'), 'no');
    // The conditional write: a hash that is no longer the one verified against is left alone.
    const { PasswordLockout } = await import('../../src/auth/password-lockout.js');
    await t.store.updateUser(id, { password_hash: 'changed-by-a-reset' });
    await new PasswordLockout(t.store).succeeded((await t.store.getUser(id))!, { from: raw, to: 'the-rehash' });
    assert.equal((await t.store.getUser(id))!.password_hash, 'changed-by-a-reset');
  });

  test('the current password of a change, typed in another form, is the current password', async () => {
    await createUser('changer', PRECOMPOSED);
    const portal = new PortalClient(t.server.app);
    await portal.signIn('/tenant/acme', 'changer', PRECOMPOSED);
    const form = '/tenant/acme/preferences/password';
    // The new password and its confirmation typed in two forms are one password.
    const changed = await portal.submit(form, form, { currentPassword: DECOMPOSED, newPassword: FULLWIDTH, confirmPassword: ASCII });
    assert.equal(changed.statusCode, 303, changed.body.slice(0, 500));
    assert.equal((await cloudapi('changer', ASCII)).status, 200);
    // "Must differ from the current one" compares the same forms.
    const same = await portal.submit(form, form, { currentPassword: ASCII, newPassword: FULLWIDTH, confirmPassword: FULLWIDTH });
    assert.equal(same.statusCode, 400);
    assert.match(same.body, /must be different from your current password/);
  });

  test('the rules measure what is hashed, in characters (code points)', () => {
    assert.match(passwordProblem('e\u0301'.repeat(4)) ?? '', /at least 8/, 'four é decomposed are four characters');
    assert.equal(passwordProblem('e\u0301'.repeat(8)), null);
    assert.equal(passwordProblem('\u{1F511}'.repeat(8)), null, 'eight emoji are eight characters');
    assert.match(passwordProblem('\uFDFA'.repeat(15)) ?? '', /at most 256/, 'U+FDFA is 18 characters in NFKC');
  });
});
