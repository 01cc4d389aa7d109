/**
 * A user's TOTP key is stored sealed (AES-256-GCM under a key derived from the store's never-rotated
 * `recovery_code_key`, the user's id as associated data), never as the base32 key the app was given: the enrolment's
 * UPDATE and the confirmation's WHERE carry only the sealed value, so a PostgreSQL statement log
 * (`log_statement = 'all'`, `log_min_duration_statement`) or a copy of the users table without the meta table holds
 * no second factor. The key it is sealed under is made at the store's first start, with the signing key. Until
 * 2026-12-06 `users.totp_secret` was the base32 key itself (and that key was made at the first enrolment).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { createUser } from './support.js';
import { RecoveryCodeService } from '../../src/auth/recovery-codes.js';

const TOTP = '/cloudapi/1.0.0/users/current/totp';

describe('TOTP keys at rest', () => {
  let server: TesseraHandle;
  let aliceApi: string;

  before(async () => {
    server = await startTessera({ demo: true });
    aliceApi = await signIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  const userRow = (id: string) => server.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function enrolled() {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const id = user.id.replace('urn:vcloud:user:', '');
    const session = await signIn(server.baseUrl, user.name, 'acme', user.password);
    const started = await http(`${server.baseUrl}${TOTP}`, { method: 'POST', headers: bearer(session) });
    assert.equal(started.status, 200, started.text);
    const secret = started.json().secret as string;
    const row = await userRow(id);
    assert.ok(row.totp_secret, 'an enrolment is stored');
    assert.ok(!row.totp_secret.includes(secret), 'the started enrolment does not store the key as it is');
    const confirmed = await http(`${server.baseUrl}${TOTP}/confirm`, {
      method: 'POST',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: totpCode(secret) }),
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    return { ...user, id, secret };
  }

  test('the sealing key is made at the first start, not at the first enrolment (a statement log turned on later never holds it)', async () => {
    const enrolments = await server.store.db.selectFrom('users').select('id').where('totp_secret', 'is not', null).execute();
    assert.equal(enrolments.length, 0, 'no enrolment yet');
    assert.ok(await server.store.getMeta('recovery_code_key'), 'the key is there already');
  });

  test('the row holds no base32 key, and the key still signs the user in', async () => {
    const user = await enrolled();
    const row = await userRow(user.id);
    assert.equal(row.totp_enabled, 1);
    assert.ok(!JSON.stringify(row).includes(user.secret), 'no column holds the key');
    // A sign-in with the next code: the stored value opens to the key.
    const next = totpCode(user.secret, Date.now() + 30_000);
    const session = await signIn(server.baseUrl, user.name, 'acme', user.password, next);
    assert.ok(session);
  });

  test("a sealed key moved to another user's row opens for nobody", async () => {
    const a = await enrolled();
    const b = await enrolled();
    await server.store.db
      .updateTable('users')
      .set({ totp_secret: (await userRow(a.id)).totp_secret, totp_last_step: 0 })
      .where('id', '=', b.id)
      .execute();
    const res = await http(`${server.baseUrl}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: {
        accept: 'application/json;version=37.0',
        authorization: `Basic ${Buffer.from(`${b.name}@acme:${b.password}`).toString('base64')}`,
        'x-tessera-totp': totpCode(a.secret, Date.now() + 30_000),
      },
    });
    assert.equal(res.status, 401, `a's code does not open b's account with a's sealed key: ${res.text}`);
  });

  test('a key stored by an older version (base32 as it is) still works', async () => {
    const user = await enrolled();
    await server.store.db.updateTable('users').set({ totp_secret: user.secret, totp_last_step: 0 }).where('id', '=', user.id).execute();
    const session = await signIn(server.baseUrl, user.name, 'acme', user.password, totpCode(user.secret, Date.now() + 30_000));
    assert.ok(session);
  });

  test('a key stored by an older version is sealed at the next start, and still signs the user in', async () => {
    const user = await enrolled();
    await server.store.db.updateTable('users').set({ totp_secret: user.secret, totp_last_step: 0 }).where('id', '=', user.id).execute();
    // What a node does at its start (services.ts): a second node starting beside this one.
    await new RecoveryCodeService({ store: server.store }).prepare();
    const row = await userRow(user.id);
    assert.ok(row.totp_secret?.startsWith('v1.'), `sealed: ${row.totp_secret}`);
    assert.ok(!JSON.stringify(row).includes(user.secret), 'no column holds the key any more');
    const session = await signIn(server.baseUrl, user.name, 'acme', user.password, totpCode(user.secret, Date.now() + 30_000));
    assert.ok(session);
    // Again: nothing left to seal, and the sealed row is left as it is.
    assert.equal(await new RecoveryCodeService({ store: server.store }).sealLegacyTotpSecrets(), 0);
    assert.equal((await userRow(user.id)).totp_secret, row.totp_secret);
  });
});
